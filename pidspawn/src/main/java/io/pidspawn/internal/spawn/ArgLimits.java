package io.pidspawn.internal.spawn;

import io.pidspawn.internal.linux.Libc;
import java.util.List;

/**
 * The kernel's limits on what execve accepts (fs/exec.c), applied before any child exists so an
 * oversize argv or environment fails with E2BIG in the parent, not as an exec failure.
 */
final class ArgLimits {
    /** MAX_ARG_STRLEN: one argument or environment string, its NUL included. */
    static final int MAX_STRING = 32 * 4096;
    /** PATH_MAX, its NUL included. */
    static final int MAX_PATH = 4096;

    private static final int RLIMIT_STACK = 3;
    private static final long STK_LIM = 8L << 20; // _STK_LIM
    private static final long ARG_MAX = 128L << 10;
    /** The exec filename the kernel also copies: "/dev/fd/N" or a script's path. */
    private static final long FILENAME_ALLOWANCE = MAX_PATH;

    private ArgLimits() {}

    /** Bytes the strings take on the new stack: each string and its NUL. */
    static long stringBytes(List<byte[]> strings) {
        long n = 0;
        for (byte[] s : strings) {
            n += s.length + 1;
        }
        return n;
    }

    /** Whether argc/envc pointers and that many string bytes fit what exec allows (bprm_stack_limits). */
    static boolean fits(int argc, int envc, long stringBytes) {
        long stack = Libc.getrlimitSoft(RLIMIT_STACK);
        long limit = STK_LIM / 4 * 3;
        if (stack >= 0) {
            limit = Math.min(limit, Long.divideUnsigned(stack, 4));
        }
        limit = Math.max(limit, ARG_MAX);
        long pointers = (long) (Math.max(argc, 1) + envc) * Long.BYTES;
        return pointers < limit && stringBytes + FILENAME_ALLOWANCE <= limit - pointers;
    }
}
