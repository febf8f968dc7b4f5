package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.testkit.Helper;
import io.pidspawn.LeakGuard;
import io.pidspawn.internal.linux.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many threads running at once, on one shared builder and on a builder per thread. Every child
 * clones the parent's fd table while other threads hold their own pipes, so the hazards are a
 * run's stdout reaching another run's pipe, a stray fd (another thread's pipe end, a builder's
 * held fd) surviving into a child, a torn or recompiled plan under concurrent runs, and a lost
 * or mixed-up pid or status. Each run has a unique token; its output must be exactly its own fd
 * set and its own token, and it must exit 0. Also: config racing runs (a plan freed under a run),
 * close racing runs (only EBADF, never a crash or a leak), and runs racing on one empty pidfd
 * (exactly one child).
 */
@ExtendWith(LeakGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConcurrentRunTest {
    private static final int THREADS = 8;
    private static final int RUNS = 200;

    @TempDir
    Path tmp;

    /** What each thread does per run: start a child for this token writing to outWrite, or fail. */
    @FunctionalInterface
    private interface Starter {
        Spawned start(int thread, String token, int outWrite) throws ErrnoException;
    }

    @Test
    void sharedBuilderWithPerRunDup2OntoFdFive() throws Exception {
        int shared = Uapi.helper("fds");
        int[] files = perThreadFiles();
        try {
            runAll((thread, token, outWrite) -> pidfd_spawn_run(shared, new RunArgs(
                    Helper.argv("fds", ";", "out", token), null,
                    List.of(SpawnAction.dup2(outWrite, 1), SpawnAction.dup2(files[thread], 5)))));
        } finally {
            close(shared);
            closeAll(files);
        }
    }

    @Test
    void builderPerThreadWithFdFiveMappedByConfig() throws Exception {
        int[] files = perThreadFiles();
        int[] builders = new int[THREADS];
        try {
            for (int t = 0; t < THREADS; t++) {
                builders[t] = Uapi.helper("fds");
                pidfd_config(builders[t], PIDFD_CONFIG_SET_FD, "fd.5", (String) null, files[t]);
            }
            runAll((thread, token, outWrite) -> pidfd_spawn_run(builders[thread], new RunArgs(
                    Helper.argv("fds", ";", "out", token), null, List.of(SpawnAction.dup2(outWrite, 1)))));
        } finally {
            for (int b : builders) {
                if (b > 0) {
                    close(b);
                }
            }
            closeAll(files);
        }
    }

    @Test
    void builderPerThreadWithTheTokenInItsConfiguredArgv() throws Exception {
        // Config (and so a plan recompile) on one builder while the other builders run.
        int[] files = perThreadFiles();
        int[] builders = new int[THREADS];
        try {
            for (int t = 0; t < THREADS; t++) {
                builders[t] = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
                pidfd_config(builders[t], PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, Helper.path(), 0);
                pidfd_config(builders[t], PIDFD_CONFIG_SET_FD, "fd.5", (String) null, files[t]);
            }
            runAll((thread, token, outWrite) -> {
                int b = builders[thread];
                pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, Uapi.nulList(Helper.argv("fds", ";", "out", token)), 0);
                return pidfd_spawn_run(b, RunArgs.of(SpawnAction.dup2(outWrite, 1)));
            }, THREADS, RUNS / 2);
        } finally {
            for (int b : builders) {
                if (b > 0) {
                    close(b);
                }
            }
            closeAll(files);
        }
    }

    @Test
    void sharedBuilderReconfiguredWhileOtherThreadsRunIt() throws Exception {
        // Every config call frees the compiled plan and the next run compiles a new one: a run must
        // never see a freed or half-built plan.
        int shared = Uapi.helper("fds");
        int[] files = perThreadFiles();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger reconfigurations = new AtomicInteger();
        Queue<Throwable> configFailures = new ConcurrentLinkedQueue<>();
        Thread reconfigurer = Thread.ofPlatform().start(() -> {
            for (int i = 0; !stop.get(); i++) {
                try {
                    pidfd_config(shared, PIDFD_CONFIG_SET_STRING, KEY_ENV, "ROUND=" + i, 0);
                    reconfigurations.incrementAndGet();
                } catch (ErrnoException e) {
                    configFailures.add(e);
                    return;
                }
            }
        });
        try {
            runAll((thread, token, outWrite) -> pidfd_spawn_run(shared, new RunArgs(
                    Helper.argv("fds", ";", "out", token), null,
                    List.of(SpawnAction.dup2(outWrite, 1), SpawnAction.dup2(files[thread], 5)))), THREADS - 1, RUNS / 2);
        } finally {
            stop.set(true);
            reconfigurer.join();
            close(shared);
            closeAll(files);
        }
        assertThat(configFailures).isEmpty();
        assertThat(reconfigurations.get()).as("config really ran during the runs").isGreaterThan(10);
    }

    @Test
    void racingRunsOfOneEmptyPidfdStartExactlyOneChildAndTheRestGetEbusy() throws Exception {
        List<String> problems = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            int p = pidfd_open(0, PIDFD_EMPTY);
            try {
                pidfd_config(p, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, Helper.path(), 0);
                pidfd_config(p, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, Uapi.nulList(Helper.argv("exit", "4")), 0);
                CountDownLatch go = new CountDownLatch(1);
                Queue<Spawned> started = new ConcurrentLinkedQueue<>();
                Queue<String> others = new ConcurrentLinkedQueue<>();
                List<Thread> racers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    racers.add(Thread.ofPlatform().start(() -> {
                        try {
                            go.await();
                            started.add(pidfd_spawn_run(p, RunArgs.none()));
                        } catch (ErrnoException e) {
                            others.add(e.errnoName());
                        } catch (InterruptedException e) {
                            others.add("interrupted");
                        }
                    }));
                }
                go.countDown();
                for (Thread t : racers) {
                    t.join();
                }
                // Reap first, whatever happened, so a failed round leaves no zombie.
                assertThat(started).hasSize(1);
                assertThat(started.peek().pidfd()).isEqualTo(p);
                assertThat(pidfd_wait(p, 0)).isEqualTo(ExitStatus.exited(4));
                String afterwards;
                try {
                    pidfd_config(p, PIDFD_CONFIG_SET_STRING, KEY_ARGV, "x", 0);
                    afterwards = "accepted";
                } catch (ErrnoException e) {
                    afterwards = e.errnoName();
                }
                if (others.size() != THREADS - 1 || others.stream().anyMatch(e -> !e.equals("EBUSY"))
                        || !afterwards.equals("EBUSY")) {
                    problems.add("round " + round + ": racers got " + others + ", a later config got " + afterwards);
                }
            } finally {
                close(p);
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void closingASharedBuilderWhileThreadsRunItOnlyEverYieldsEbadf() throws Exception {
        int shared = Uapi.helper("out", "x");
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean closed = new AtomicBoolean();
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger ebadfAfterClose = new AtomicInteger();
        Queue<String> wrong = new ConcurrentLinkedQueue<>();
        List<Thread> runners = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            runners.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 2000; i++) {
                    boolean wasClosed = closed.get();
                    int[] out = Uapi.pipe();
                    try {
                        Spawned child = pidfd_spawn_run(shared, RunArgs.of(SpawnAction.dup2(out[1], 1)));
                        Libc.close(out[1]);
                        out[1] = -1;
                        String text = Uapi.readAll(out[0]);
                        ExitStatus status = Uapi.waitAndClose(child);
                        if (wasClosed || !text.equals("x\n") || !status.success()) {
                            wrong.add("run " + (wasClosed ? "after close" : "") + " printed " + text + ", " + status);
                        }
                        succeeded.incrementAndGet();
                    } catch (ErrnoException e) {
                        if (e.errno() != io.pidspawn.Errno.EBADF) {
                            wrong.add(e.toString());
                        }
                        ebadfAfterClose.incrementAndGet();
                        return;
                    } finally {
                        for (int fd : out) {
                            if (fd >= 0) {
                                Libc.close(fd);
                            }
                        }
                    }
                }
                wrong.add("ran 2000 times without seeing the close");
            }));
        }
        go.countDown();
        Thread.sleep(100);
        close(shared);
        closed.set(true);
        for (Thread t : runners) {
            t.join(30_000);
        }
        assertThat(wrong).isEmpty();
        assertThat(succeeded.get()).as("runs before the close").isPositive();
        assertThat(ebadfAfterClose.get()).isEqualTo(THREADS);
    }

    private void runAll(Starter starter) throws Exception {
        runAll(starter, THREADS, RUNS);
    }

    private void runAll(Starter starter, int threads, int runs) throws Exception {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger good = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    for (int i = 0; i < runs; i++) {
                        String token = "t" + thread + "-r" + i + "-" + Long.toHexString(System.nanoTime());
                        String problem = oneRun(starter, thread, token);
                        if (problem == null) {
                            good.incrementAndGet();
                        } else {
                            failures.add(problem);
                        }
                    }
                    return null;
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            long start = System.nanoTime();
            go.countDown();
            for (Future<?> f : done) {
                f.get(50, TimeUnit.SECONDS);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(failures).as("runs that went wrong (of %d, in %d ms)", threads * runs, millis).isEmpty();
            assertThat(good.get()).isEqualTo(threads * runs);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** One run; null when it printed exactly its fds and token and exited 0, else what went wrong. */
    private static String oneRun(Starter starter, int thread, String token) {
        int[] out = Uapi.pipe();
        try {
            Spawned child;
            try {
                child = starter.start(thread, token, out[1]);
            } catch (ErrnoException e) {
                return token + ": " + e;
            }
            Libc.close(out[1]);
            out[1] = -1;
            String text = Uapi.readAll(out[0]);
            ExitStatus status;
            try {
                status = Uapi.waitAndClose(child);
            } catch (ErrnoException e) {
                return token + ": wait: " + e;
            }
            String expected = "0 1 2 5\n" + token + "\n";
            if (!text.equals(expected) || !status.equals(ExitStatus.exited(0))) {
                return token + ": printed " + text.replace("\n", "\\n") + " and ended " + status;
            }
            return null;
        } finally {
            for (int fd : out) {
                if (fd >= 0) {
                    Libc.close(fd);
                }
            }
        }
    }

    private int[] perThreadFiles() throws Exception {
        int[] fds = new int[THREADS];
        for (int t = 0; t < THREADS; t++) {
            Path f = Files.writeString(tmp.resolve("thread-" + t), "thread " + t);
            fds[t] = Libc.openat(Libc.AT_FDCWD, f.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            assertThat(fds[t]).isNotNegative();
        }
        return fds;
    }

    private static void closeAll(int[] fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                Libc.close(fd);
            }
        }
    }
}
