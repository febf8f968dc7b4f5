package io.pidspawn.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Makes calls from a few platform threads and times each one, from before the spawn to after
 * the wait: the Java twin of the C driver's {@code execute()}, with the same reply fields.
 */
final class RunLoop {
    /** One call; returns the bytes it read. */
    interface Call {
        long make(long index) throws Exception;
    }

    /** The most calls a timed run records. */
    static final int MAX_TIMED_CALLS = 1 << 20;

    private RunLoop() {}

    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;
    private static final MethodHandle CLOCK_GETTIME = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().findOrThrow("clock_gettime"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    /** The JIT's compilation time, when the JVM keeps it: loaded with the first request, not amid a measured one. */
    private static final CompilationMXBean JIT = jit();

    private static CompilationMXBean jit() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit : null;
    }

    /** The compilers' time so far in ms (every compiler thread), or -1 when the JVM does not keep it. */
    static long jitMillis() {
        return JIT == null ? -1 : JIT.getTotalCompilationTime();
    }

    /**
     * This process's CPU time (user and system, every thread) in ns, from
     * CLOCK_PROCESS_CPUTIME_ID: the JDK's getProcessCpuTime counts in clock ticks here (10 ms).
     */
    static long processCpuNanos() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(16, 8);
            if ((int) CLOCK_GETTIME.invokeExact(CLOCK_PROCESS_CPUTIME_ID, ts) != 0) {
                throw new IllegalStateException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
            }
            return ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8);
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }

    /**
     * Calls from {@code threads} threads until {@code limit} calls were taken or, for the calls
     * not yet started, {@code deadline} (System.nanoTime) passed.
     *
     * @return the reply fields: elapsed, cpu (this process's CPU time over the calls, every thread
     *     of it: the callers, the reaper, the JIT and the GC), jit_ms (the compilers' time over the
     *     calls; absent where the JVM does not keep it), count, failed, bytes, lat (ns, in call order)
     */
    static String execute(int threads, int limit, long deadline, Call call) throws InterruptedException {
        AtomicLong next = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        long[] lat = new long[limit];
        Arrays.fill(lat, -1);
        Runnable caller = () -> {
            for (long i; System.nanoTime() - deadline < 0 && (i = next.getAndIncrement()) < limit; ) {
                long t0 = System.nanoTime();
                try {
                    bytes.addAndGet(call.make(i));
                    lat[(int) i] = System.nanoTime() - t0;
                } catch (Throwable t) {
                    firstFailure.compareAndSet(null, t);
                }
            }
        };
        Thread[] started = new Thread[threads];
        long jit0 = jitMillis();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            started[t] = Thread.ofPlatform().name("bench-caller-" + t).start(caller);
        }
        for (Thread t : started) {
            t.join();
        }
        long elapsed = System.nanoTime() - t0;
        long cpu = processCpuNanos() - cpu0;
        long jit = jit0 < 0 ? -1 : jitMillis() - jit0;
        int count = (int) Math.min(next.get(), limit);
        StringBuilder reply = new StringBuilder();
        long failed = 0;
        for (int i = 0; i < count; i++) {
            if (lat[i] < 0) {
                failed++;
            } else {
                reply.append(reply.isEmpty() ? "" : ",").append(lat[i]);
            }
        }
        Throwable f = firstFailure.get();
        return "elapsed=" + elapsed + " cpu=" + cpu + (jit < 0 ? "" : " jit_ms=" + jit) + " count=" + count + " failed=" + failed + " bytes=" + bytes.get()
                + (f == null ? "" : " first_failure=" + String.valueOf(f).replaceAll("\\s+", "_")) + " lat=" + reply;
    }
}
