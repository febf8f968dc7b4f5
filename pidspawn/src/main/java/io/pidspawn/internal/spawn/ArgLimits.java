package io.pidspawn.internal.spawn;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The kernel's limits on what execve accepts, computed as fs/exec.c does (bprm_stack_limits and
 * the string copies after it, Linux 5.18 to 6.18 at least), so that an oversize argv or
 * environment fails with E2BIG in the parent, not as an exec failure, and nothing the kernel
 * would run is refused:
 * <ul>
 * <li>the space is a quarter of the child's RLIMIT_STACK soft limit, at most three quarters of
 *     _STK_LIM (6 MiB) and at least ARG_MAX (32 pages, 128 KiB);</li>
 * <li>one pointer per argv and envp string, argv counting at least one, comes off it first;</li>
 * <li>the strings then take their length and NUL each: the exec filename (for an exec through
 *     a fd, {@code /dev/fd/N}), every environment string and every argument;</li>
 * <li>one string, its NUL included, is at most MAX_ARG_STRLEN (32 pages).</li>
 * </ul>
 * The filename the check assumes is the one the child passes unless a run's action lands on the
 * executable's fd number and the child moves it higher: one more digit then costs one more byte,
 * which the kernel refuses itself (E2BIG at step exec). A {@code #!} script's interpreter line
 * adds strings after this point, which the kernel counts too: such a script can still fail at
 * exec with E2BIG, never the other way round.
 */
final class ArgLimits {
    /** MAX_ARG_STRLEN: one argument or environment string, its NUL included. */
    static final int MAX_STRING = 32 * 4096;
    /** PATH_MAX, its NUL included. */
    static final int MAX_PATH = 4096;

    static final int RLIMIT_STACK = 3;
    private static final long STK_LIM = 8L << 20; // _STK_LIM
    private static final long ARG_MAX = 32 * 4096; // 32 pages
    private static final long POINTER = Long.BYTES;

    private ArgLimits() {}

    /** Bytes the strings take on the new stack: each string and its NUL. */
    static long stringBytes(List<byte[]> strings) {
        long n = 0;
        for (byte[] s : strings) {
            n += s.length + 1;
        }
        return n;
    }

    /** The bytes exec has for strings and pointers under this RLIMIT_STACK soft limit (unsigned; -1 is unlimited). */
    static long space(long stackSoft) {
        long limit = STK_LIM / 4 * 3;
        if (Long.compareUnsigned(Long.divideUnsigned(stackSoft, 4), limit) < 0) {
            limit = Long.divideUnsigned(stackSoft, 4);
        }
        return Math.max(limit, ARG_MAX);
    }

    /** The exec filename's bytes, its NUL included: a script's path, or {@code /dev/fd/N} for an exec through fd N. */
    static long filenameBytes(String scriptPath, int execFd) {
        String name = scriptPath != null ? scriptPath : "/dev/fd/" + execFd;
        return name.getBytes(StandardCharsets.UTF_8).length + 1L;
    }

    /**
     * Whether exec takes argc arguments and envc environment strings of stringBytes bytes in all
     * (each with its NUL), with an exec filename of filenameBytes, under that stack limit.
     */
    static boolean fits(int argc, int envc, long stringBytes, long filenameBytes, long stackSoft) {
        long limit = space(stackSoft);
        long pointers = ((long) Math.max(argc, 1) + envc) * POINTER;
        return pointers < limit && filenameBytes + stringBytes <= limit - pointers;
    }

    /** Whether exec takes these strings under every RLIMIT_STACK: they fit in ARG_MAX (32 pages), its least space. */
    static boolean fitsAnyStack(int argc, int envc, long stringBytes, long filenameBytes) {
        return fits(argc, envc, stringBytes, filenameBytes, 0); // space(0) is ARG_MAX
    }
}
