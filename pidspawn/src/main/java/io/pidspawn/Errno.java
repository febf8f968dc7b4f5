package io.pidspawn;

import io.pidspawn.internal.linux.Native;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Linux errno values pidspawn documents, with their names and descriptions as the C library
 * gives them ({@code ENOENT}, "No such file or directory").
 */
public final class Errno {
    /** errno 1, described by the C library as "Operation not permitted". */
    public static final int EPERM = 1;
    /** errno 2, described by the C library as "No such file or directory". */
    public static final int ENOENT = 2;
    /** errno 3, described by the C library as "No such process". */
    public static final int ESRCH = 3;
    /** errno 4, described by the C library as "Interrupted system call". */
    public static final int EINTR = 4;
    /** errno 5, described by the C library as "Input/output error". */
    public static final int EIO = 5;
    /** errno 7, described by the C library as "Argument list too long". */
    public static final int E2BIG = 7;
    /** errno 8, described by the C library as "Exec format error". */
    public static final int ENOEXEC = 8;
    /** errno 9, described by the C library as "Bad file descriptor". */
    public static final int EBADF = 9;
    /** errno 10, described by the C library as "No child processes". */
    public static final int ECHILD = 10;
    /** errno 11, described by the C library as "Resource temporarily unavailable". */
    public static final int EAGAIN = 11;
    /** errno 12, described by the C library as "Cannot allocate memory". */
    public static final int ENOMEM = 12;
    /** errno 13, described by the C library as "Permission denied". */
    public static final int EACCES = 13;
    /** errno 14, described by the C library as "Bad address". */
    public static final int EFAULT = 14;
    /** errno 16, described by the C library as "Device or resource busy". */
    public static final int EBUSY = 16;
    /** errno 17, described by the C library as "File exists". */
    public static final int EEXIST = 17;
    /** errno 20, described by the C library as "Not a directory". */
    public static final int ENOTDIR = 20;
    /** errno 21, described by the C library as "Is a directory". */
    public static final int EISDIR = 21;
    /** errno 22, described by the C library as "Invalid argument". */
    public static final int EINVAL = 22;
    /** errno 23, described by the C library as "Too many open files in system". */
    public static final int ENFILE = 23;
    /** errno 24, described by the C library as "Too many open files". */
    public static final int EMFILE = 24;
    /** errno 25, described by the C library as "Inappropriate ioctl for device". */
    public static final int ENOTTY = 25;
    /** errno 26, described by the C library as "Text file busy". */
    public static final int ETXTBSY = 26;
    /** errno 32, described by the C library as "Broken pipe". */
    public static final int EPIPE = 32;
    /** errno 34, described by the C library as "Numerical result out of range". */
    public static final int ERANGE = 34;
    /** errno 36, described by the C library as "File name too long". */
    public static final int ENAMETOOLONG = 36;
    /** errno 38, described by the C library as "Function not implemented". */
    public static final int ENOSYS = 38;
    /** errno 40, described by the C library as "Too many levels of symbolic links". */
    public static final int ELOOP = 40;
    /** errno 116, described by the C library as "Stale file handle". */
    public static final int ESTALE = 116;
    /** errno 95, described by the C library as "Operation not supported". */
    public static final int ENOTSUP = 95;
    /** errno 110, described by the C library as "Connection timed out". */
    public static final int ETIMEDOUT = 110;

    private static final int CACHED = 134;
    private static final String[] NAMES = new String[CACHED];
    private static final String[] DESCRIPTIONS = new String[CACHED];

    static {
        MethodHandle name = lookup("strerrorname_np");
        MethodHandle desc = lookup("strerrordesc_np");
        for (int e = 1; e < CACHED; e++) {
            NAMES[e] = text(name, e);
            DESCRIPTIONS[e] = text(desc, e);
        }
    }

    private Errno() {}

    /**
     * The symbolic name, such as {@code ENOENT}; {@code errno N} where the C library has none.
     *
     * @param errno an errno value
     * @return the name, never null
     */
    public static String name(int errno) {
        String n = errno > 0 && errno < CACHED ? NAMES[errno] : null;
        return n != null ? n : "errno " + errno;
    }

    /**
     * The description, such as "No such file or directory".
     *
     * @param errno an errno value
     * @return the description, never null
     */
    public static String description(int errno) {
        String d = errno > 0 && errno < CACHED ? DESCRIPTIONS[errno] : null;
        return d != null ? d : "Unknown error " + errno;
    }

    /**
     * {@code ENOENT (No such file or directory)}: the form every pidspawn message uses.
     *
     * @param errno an errno value
     * @return the name and the description
     */
    public static String describe(int errno) {
        return name(errno) + " (" + description(errno) + ")";
    }

    private static MethodHandle lookup(String symbol) {
        // strerrorname_np and strerrordesc_np: glibc 2.32, thread-safe, static strings
        return Native.libcHas(symbol)
                ? Native.call(Native.LIBC, symbol, FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT))
                : null;
    }

    private static String text(MethodHandle fn, int errno) {
        if (fn == null) {
            return null;
        }
        try {
            MemorySegment s = (MemorySegment) fn.invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? null : s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return null;
        }
    }
}
