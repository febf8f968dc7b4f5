package io.pidspawn.bench;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.SpawnOverrides;
import io.pidspawn.Stdio;
import io.pidspawn.internal.linux.Libc;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The supervise workload, in a worker JVM that has not spawned anything before: {@code children}
 * children of the C driver's {@code exit-stamp} mode are spawned and kept alive (each waits for
 * end of file on one shared pipe), and each gets an {@code onExit()} callback that notes the time.
 * Then the pipe is closed: child i sleeps {@code baseMicros + i * spacingMicros} and writes i and
 * its CLOCK_MONOTONIC time to a shared file just before it exits. The exit notification latency
 * of a child is its callback's System.nanoTime (the same clock) minus its own time.
 *
 * <p>Threads are counted from before the first spawn, so the library's own threads count (as Java
 * sees them: not the JIT's or GC's). {@value #WARM_UP} children that exit at once run first, so
 * that the spawn and exit paths are compiled before they are timed. Memory is VmRSS with a
 * pre-touched heap (so native memory) and the Java heap in use after a GC, each from after the
 * warm-up to all children alive. The JIT keeps compiling while the children start, and glibc
 * keeps the compiler's freed arenas: so what the children hold is RSS read at a moment the JIT is
 * idle and after malloc_trim(0), with all of them alive, less the lower of the same reading before
 * they started and after they all ended (code the JIT compiled in between still counts); the raw
 * growth, from before the first spawn to the peak, is what the OS saw.
 */
final class SuperviseRun {
    /** The request: how many children, how their exits are spread, the driver and a scratch file. */
    record Spec(int children, long baseMicros, long spacingMicros, Path driver, Path stampFile) {}

    private static final int WARM_UP = 1000;
    private static final int RSS_SAMPLE_EVERY = 1000;

    private final Spec spec;
    private long rssPeakKib;

    SuperviseRun(Spec spec) {
        this.spec = spec;
    }

    /** Runs it; the reply fields (lat: the latencies in ns, in exit order). */
    String run() throws Exception {
        Footprint first = Footprint.now();
        int[] release = Libc.pipe2(Libc.O_CLOEXEC);
        int stamps = Libc.openat(Libc.AT_FDCWD, spec.stampFile().toString(),
                Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC | Libc.O_APPEND | Libc.O_CLOEXEC, 0600);
        if (release.length != 2 || stamps < 0) {
            throw new IOException("supervise: cannot create the release pipe or " + spec.stampFile());
        }
        long[] notified = new long[spec.children()];
        List<Child> children = new ArrayList<>(spec.children());
        List<CompletableFuture<Void>> callbacks = new ArrayList<>(spec.children());
        long spawnNanos;
        Footprint before;
        Footprint alive;
        try (Command stamp = PidspawnSpawner.build(Command.builder(spec.driver().toString()).args("exit-stamp")
                .stdin(Stdio.fd(release[0])).stdout(Stdio.discard()).fd(3, Stdio.fd(stamps)))) {
            warmUp(stamp);
            before = Footprint.trimmed();
            long t0 = System.nanoTime();
            for (int i = 0; i < spec.children(); i++) {
                Child c = stamp.spawn(List.of(Long.toString(spec.baseMicros() + i * spec.spacingMicros()), Integer.toString(i)));
                int index = i;
                children.add(c);
                callbacks.add(c.onExit().thenRun(() -> notified[index] = System.nanoTime()));
            }
            spawnNanos = System.nanoTime() - t0;
            rssPeakKib = Footprint.currentRssKib(); // before trimming: the raw peak starts here
            alive = Footprint.trimmed();
        } finally {
            Libc.close(release[0]);
            Libc.close(release[1]); // the children wake up
            Libc.close(stamps);
        }
        for (int i = 0; i < callbacks.size(); i++) {
            callbacks.get(i).join();
            if (i % RSS_SAMPLE_EVERY == 0) {
                rssPeakKib = Math.max(rssPeakKib, Footprint.currentRssKib()); // now and then: reading /proc takes CPU from the exits
            }
        }
        Set<String> threads = new TreeSet<>(alive.threads());
        threads.addAll(Footprint.threadNames());
        threads.removeAll(first.threads());
        children.forEach(Child::close);
        children.clear();
        long afterTrimmedKib = Footprint.trimmed().rssKib();
        return "elapsed=" + spawnNanos + " count=" + spec.children() + " extra_threads=" + threads.size()
                + " new_threads=" + String.join(",", threads).replace(' ', '_')
                + " rss_first_kib=" + first.rssKib() + " rss_peak_kib=" + Math.max(rssPeakKib, Footprint.currentRssKib())
                + " rss_before_kib=" + before.rssKib() + " rss_alive_kib=" + alive.rssKib() + " rss_after_kib=" + afterTrimmedKib
                + " heap_before_kib=" + before.heapKib() + " heap_alive_kib=" + alive.heapKib()
                + " lat=" + latencies(notified);
    }

    /** Children that exit at once (stdin /dev/null): the first exits of a JVM take the slow, cold path. */
    private static void warmUp(Command stamp) {
        List<CompletableFuture<?>> exits = new ArrayList<>();
        for (int i = 0; i < WARM_UP; i++) {
            try (Child c = stamp.spawn(SpawnOverrides.none().withArgs("0", "-1").withStdin(Stdio.discard()))) {
                exits.add(c.onExit());
            } catch (Exception e) {
                throw new IllegalStateException("supervise warm-up: " + e.getMessage(), e);
            }
        }
        exits.forEach(CompletableFuture::join);
    }

    /** Each measured child's callback time minus its own exit time, from the stamp file (warm-up children are -1). */
    private String latencies(long[] notified) throws IOException {
        ByteBuffer records = ByteBuffer.wrap(Files.readAllBytes(spec.stampFile())).order(ByteOrder.nativeOrder());
        StringBuilder lat = new StringBuilder();
        int count = 0;
        while (records.remaining() >= 16) {
            long i = records.getLong();
            long exitedAt = records.getLong();
            if (i >= 0 && i < notified.length) {
                lat.append(count++ == 0 ? "" : ",").append(notified[(int) i] - exitedAt);
            }
        }
        if (count != spec.children()) {
            throw new IOException("supervise: " + count + " exit stamps for " + spec.children() + " children");
        }
        return lat.toString();
    }

    /** Threads, VmRSS, and the Java heap in use after a full GC. */
    private record Footprint(Set<String> threads, long rssKib, long heapKib) {
        private static final MethodHandle MALLOC_TRIM = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("malloc_trim").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));

        /**
         * As {@link #now}, at a moment the JIT compiler is idle (its arenas in use cannot be
         * given back) and after glibc has given back the free memory it keeps (malloc_trim).
         */
        static Footprint trimmed() throws IOException {
            awaitIdleCompiler();
            System.gc();
            try {
                int released = (int) MALLOC_TRIM.invokeExact(0L);
            } catch (Throwable t) {
                throw new IOException("malloc_trim", t);
            }
            return now();
        }

        /** Until the JIT has compiled nothing for 300 ms, or 5 s have passed. */
        private static void awaitIdleCompiler() {
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
                return;
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            for (long seen = -1; System.nanoTime() < deadline; ) {
                long now = jit.getTotalCompilationTime();
                if (now == seen) {
                    return;
                }
                seen = now;
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        static Footprint now() throws IOException {
            System.gc();
            Runtime rt = Runtime.getRuntime();
            return new Footprint(threadNames(), currentRssKib(), (rt.totalMemory() - rt.freeMemory()) / 1024);
        }

        /** Live platform threads, by name and id. */
        static Set<String> threadNames() {
            Set<String> names = new TreeSet<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                names.add(t.getName() + "#" + t.threadId());
            }
            return names;
        }

        static long currentRssKib() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            throw new IOException("no VmRSS in /proc/self/status");
        }
    }
}
