package io.quiver.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads the JNI library (libquiver_jni.so) and the libquiver it links, once, before the first
 * native call. In order:
 *
 * <ol>
 *   <li>the system property {@code quiver.jni.library}: an absolute path to libquiver_jni.so
 *       (libquiver found as the system finds it: its RUNPATH, ldconfig, LD_LIBRARY_PATH);
 *   <li>the copies inside the jar, under {@code io/quiver/native/<os>-<arch>/}: extracted into a
 *       private temporary folder (removed when the JVM exits), libquiver loaded first so that the
 *       JNI library links to it, as sqlite-jdbc and netty do;
 *   <li>{@code System.loadLibrary("quiver_jni")}: java.library.path.
 * </ol>
 *
 * When all fail the error lists what was tried.
 */
public final class NativeLibrary {
  private static final String[] BUNDLED = {"libquiver.so.0", "libquiver_jni.so"};
  private static boolean loaded;

  private NativeLibrary() {}

  /** The jar's folder for this platform, e.g. "linux-x86_64". */
  public static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (os.startsWith("linux")) os = "linux";
    else if (os.startsWith("mac")) os = "macos";
    else if (os.startsWith("windows")) os = "windows";
    if (arch.equals("amd64") || arch.equals("x86_64")) arch = "x86_64";
    else if (arch.equals("arm64") || arch.equals("aarch64")) arch = "aarch64";
    return os + "-" + arch;
  }

  public static synchronized void load() {
    if (loaded) return;
    List<String> tried = new ArrayList<>();
    String explicit = System.getProperty("quiver.jni.library");
    if (explicit != null && !explicit.isEmpty()) {
      System.load(explicit); // an explicit choice: its failure is the answer
      loaded = true;
      return;
    }
    String folder = "/io/quiver/native/" + platform() + "/";
    try {
      if (loadBundled(folder)) {
        loaded = true;
        return;
      }
      tried.add("the jar: no " + folder + BUNDLED[1] + " (built for another platform?)");
    } catch (IOException | UnsatisfiedLinkError e) {
      tried.add("the jar's " + folder + ": " + e.getMessage());
    }
    try {
      System.loadLibrary("quiver_jni");
      loaded = true;
      return;
    } catch (UnsatisfiedLinkError e) {
      tried.add(
          "java.library.path ("
              + System.getProperty("java.library.path")
              + "): "
              + e.getMessage());
    }
    throw new UnsatisfiedLinkError(
        "Quiver's JNI library could not be loaded; tried "
            + String.join("; ", tried)
            + ". Use the quiver jar built for this platform, or pass"
            + " -Dquiver.jni.library=/path/to/libquiver_jni.so");
  }

  /** Extracts and loads the jar's copies; false when the jar has none for this platform. */
  private static boolean loadBundled(String folder) throws IOException {
    if (NativeLibrary.class.getResource(folder + BUNDLED[1]) == null) return false;
    Path dir = Files.createTempDirectory("quiver-jni");
    dir.toFile().deleteOnExit();
    List<Path> files = new ArrayList<>();
    for (String name : BUNDLED) {
      try (InputStream in = NativeLibrary.class.getResourceAsStream(folder + name)) {
        if (in == null) throw new IOException(folder + name + " is missing from the jar");
        Path f = dir.resolve(name);
        Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
        f.toFile().deleteOnExit();
        files.add(f);
      }
    }
    // libquiver first: the JNI library's dependency on libquiver.so.0 is then
    // met by the library already loaded under that name.
    for (Path f : files) System.load(f.toAbsolutePath().toString());
    return true;
  }
}
