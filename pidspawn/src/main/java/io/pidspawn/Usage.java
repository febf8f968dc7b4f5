package io.pidspawn;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * What a child used, as the kernel accounted it when the child was reaped: the struct rusage the
 * raw {@code waitid(P_PIDFD, pidfd, &info, WEXITED, &rusage)} system call fills in (the C
 * library's wrapper has no rusage argument), on every path that reaps a child (the reaper thread
 * and a thread waiting directly), and, for a child that ran in a cgroup the library created for it
 * ({@link Command.Builder#ownCgroup()}, the resource limits), the cgroup's peak memory and whether
 * the OOM killer fired in it.
 *
 * <p>The CPU times and counters cover the child and every descendant it waited for (the kernel
 * adds a reaped child's usage to its parent's); a background process the child left running is
 * not in them.
 *
 * <p>There is deliberately no "max RSS": the rusage's {@code ru_maxrss} of a child that pidspawn
 * starts is wrong. The child is a CLONE_VM (vfork-style) clone that shares the JVM's address
 * space until exec, and at exec the kernel folds the old address space's high-water mark into the
 * child's ({@code exec_mmap} → {@code setmax_mm_hiwater_rss}): a JVM with 2 GiB resident reports
 * at least 2 GiB for {@code /bin/true}. Peak memory comes only from a cgroup: {@code memory.peak}
 * on cgroup v2, {@code memory.max_usage_in_bytes} on v1.
 *
 * @param userCpu CPU time spent in user mode
 * @param systemCpu CPU time spent in the kernel on the child's behalf
 * @param minorFaults page faults served without I/O ({@code ru_minflt})
 * @param majorFaults page faults that needed I/O ({@code ru_majflt})
 * @param voluntaryContextSwitches the child gave up the CPU, usually to wait ({@code ru_nvcsw})
 * @param involuntaryContextSwitches the scheduler took the CPU away ({@code ru_nivcsw})
 * @param memoryPeakBytes the cgroup's peak memory, or -1 when the child had no cgroup of its own
 * @param oomKilled whether the OOM killer killed a process in the child's cgroup (false without one)
 */
public record Usage(Duration userCpu, Duration systemCpu, long minorFaults, long majorFaults,
                    long voluntaryContextSwitches, long involuntaryContextSwitches, long memoryPeakBytes,
                    boolean oomKilled) {
    /** Offsets in struct rusage (x86_64 and aarch64 alike: 16 longs after two timevals). */
    private static final int RU_MINFLT = 64, RU_MAJFLT = 72, RU_NVCSW = 128, RU_NIVCSW = 136;

    /** The size of struct rusage on 64-bit Linux. */
    public static final int RUSAGE_BYTES = 144;

    /**
     * Decodes a struct rusage (144 bytes) as the kernel wrote it.
     *
     * @param ru the struct, at least {@link #RUSAGE_BYTES} long
     * @return the usage it records, without cgroup figures
     */
    public static Usage fromRusage(java.lang.foreign.MemorySegment ru) {
        java.lang.foreign.ValueLayout.OfLong l = java.lang.foreign.ValueLayout.JAVA_LONG;
        Duration user = Duration.ofSeconds(ru.get(l, 0), ru.get(l, 8) * 1000);
        Duration sys = Duration.ofSeconds(ru.get(l, 16), ru.get(l, 24) * 1000);
        return new Usage(user, sys, ru.get(l, RU_MINFLT), ru.get(l, RU_MAJFLT), ru.get(l, RU_NVCSW), ru.get(l, RU_NIVCSW),
                -1, false);
    }

    /**
     * This usage with what the child's cgroup measured.
     *
     * @param peakBytes the cgroup's peak memory in bytes, or -1 when unknown
     * @param oom whether the cgroup's OOM killer killed a process in it
     * @return a copy with these figures
     */
    public Usage withCgroup(long peakBytes, boolean oom) {
        return new Usage(userCpu, systemCpu, minorFaults, majorFaults, voluntaryContextSwitches,
                involuntaryContextSwitches, peakBytes, oom);
    }

    /**
     * The cgroup's peak memory, when the child had a cgroup of its own that measures it.
     *
     * @return the peak, in bytes, or empty
     */
    public OptionalLong memoryPeak() {
        return memoryPeakBytes < 0 ? OptionalLong.empty() : OptionalLong.of(memoryPeakBytes);
    }

    /**
     * User plus system CPU time.
     *
     * @return the sum
     */
    public Duration cpu() {
        return userCpu.plus(systemCpu);
    }
}
