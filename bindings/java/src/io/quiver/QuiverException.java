package io.quiver;

/**
 * A failed Quiver call: the status and Quiver's message, which says what went wrong and what to do
 * about it.
 */
public class QuiverException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final Status status;
  private final int code;

  public QuiverException(Status status, String message) {
    this(status, status.code(), message);
  }

  QuiverException(Status status, int code, String message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  /** Which kind of failure this is. */
  public Status status() {
    return status;
  }

  /** The raw {@code qv_status} value (useful when {@link #status()} is UNKNOWN). */
  public int code() {
    return code;
  }

  @Override
  public String toString() {
    return "QuiverException[" + status + "]: " + getMessage();
  }
}
