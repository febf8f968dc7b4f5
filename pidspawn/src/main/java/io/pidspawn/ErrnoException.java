package io.pidspawn;

import java.io.IOException;

/**
 * A call failed with an errno. The message names the call and what it acted on, then the errno:
 * {@code pidfd_config executable: EINVAL (Invalid argument): relative path "true" where an
 * absolute path is required}.
 */
public class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public ErrnoException(String call, int errno, String detail) {
        super(call + ": " + Errno.describe(errno) + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.errno = errno;
    }

    /** For subclasses that compose their own message. */
    protected ErrnoException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /** The errno, such as {@link Errno#ENOENT}. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, such as {@code ENOENT}. */
    public String errnoName() {
        return Errno.name(errno);
    }
}
