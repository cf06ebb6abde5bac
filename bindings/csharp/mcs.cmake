# cmake -DMCS=... -DOUT=dir -DGEN=swig-output -DSOURCES=... -DTESTS=... -DVERSION=x.y.z -P mcs.cmake
# Quiver.dll = the SWIG-generated classes (globbed: their names depend on
# quiver.i) + the hand-written binding + its version (AssemblyInfo.cs, written
# here from Quiver's version); QuiverTests.exe references it. Quiver.dll.config
# maps the native library's name for Mono (it is also found beside the
# assembly without it).
file(GLOB _gen "${GEN}/*.cs")
file(WRITE "${OUT}/AssemblyInfo.cs"
"using System.Reflection;
[assembly: AssemblyTitle(\"Quiver\")]
[assembly: AssemblyDescription(\"C# binding of Quiver, an embeddable vector search engine\")]
[assembly: AssemblyVersion(\"${VERSION}.0\")]
[assembly: AssemblyFileVersion(\"${VERSION}.0\")]
[assembly: AssemblyInformationalVersion(\"${VERSION}\")]
")
file(WRITE "${OUT}/Quiver.dll.config"
"<configuration>
  <dllmap dll=\"quiver_csharp\" target=\"libquiver_csharp.so\" os=\"linux\"/>
</configuration>
")
execute_process(
  COMMAND "${MCS}" -nologo -target:library -optimize+ -nowarn:1591
          "-out:${OUT}/Quiver.dll" "${OUT}/AssemblyInfo.cs" ${_gen} ${SOURCES}
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "mcs failed building Quiver.dll (${_rc})")
endif()
execute_process(
  COMMAND "${MCS}" -nologo -target:exe -optimize+ "-r:${OUT}/Quiver.dll"
          "-out:${OUT}/QuiverTests.exe" ${TESTS}
  RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "mcs failed building QuiverTests.exe (${_rc})")
endif()
