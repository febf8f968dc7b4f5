package io.pidspawn;

import java.io.IOException;

/**
 * A call failed with an errno. The message names the call and what it acted on, then the errno:
 * {@code pidfd_config executable: EINVAL (Invalid argument): relative path "true" where an
 * absolute path is required}.
 */
public class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The errno of the failed call. */
    private final int errno;

    /**
     * A failed call: the message is {@code call: ENAME (description): detail}.
     *
     * @param call what failed, in the caller's words: a system call, an option or a method
     * @param errno the errno it failed with, such as {@link Errno#EINVAL}
     * @param detail what was wrong and what to do; null or empty for none
     */
    public ErrnoException(String call, int errno, String detail) {
        super(call + ": " + Errno.describe(errno) + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.errno = errno;
    }

    /**
     * For subclasses that compose their own message.
     *
     * @param errno the errno
     * @param message the whole message
     */
    protected ErrnoException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /**
     * The errno, such as {@link Errno#ENOENT}.
     *
     * @return the errno value
     */
    public int errno() {
        return errno;
    }

    /**
     * The errno's symbolic name, such as {@code ENOENT}.
     *
     * @return the name, or {@code errno N} for a number the C library does not name
     */
    public String errnoName() {
        return Errno.name(errno);
    }
}
