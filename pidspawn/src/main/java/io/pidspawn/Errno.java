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
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, E2BIG = 7, ENOEXEC = 8,
            EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16,
            EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25, ETXTBSY = 26,
            EPIPE = 32, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38, ELOOP = 40, ESTALE = 116, ENOTSUP = 95,
            ETIMEDOUT = 110;

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

    /** The symbolic name, such as {@code ENOENT}; {@code errno N} where the C library has none. */
    public static String name(int errno) {
        String n = errno > 0 && errno < CACHED ? NAMES[errno] : null;
        return n != null ? n : "errno " + errno;
    }

    /** The description, such as "No such file or directory". */
    public static String description(int errno) {
        String d = errno > 0 && errno < CACHED ? DESCRIPTIONS[errno] : null;
        return d != null ? d : "Unknown error " + errno;
    }

    /** {@code ENOENT (No such file or directory)}: the form every pidspawn message uses. */
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
