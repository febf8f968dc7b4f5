package io.pidspawn.reliability;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.testkit.Helper;
import io.pidspawn.LeakGuard;
import io.pidspawn.NativeMemory;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.SpawnAction;
import io.pidspawn.uapi.Spawned;
import io.pidspawn.uapi.Uapi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100,000 spawns from 8 threads, one in ten failing at a different step (exec of a missing
 * interpreter, a missing cwd, a closed fd, an interpreter without execute permission): every
 * result is the one expected, and afterwards there is no extra fd, no zombie, no extra thread,
 * and the native memory FFM allocates from is where it was.
 */
@Tag("slow")
@Timeout(value = 15, unit = java.util.concurrent.TimeUnit.MINUTES) // bounded, but not by the 5-minute default: a busy machine is slow
@ExtendWith(LeakGuard.class)
class SoakTest {
    private static final int THREADS = 8;
    private static final int SPAWNS = Integer.getInteger("pidspawn.soak.spawns", 100_000);

    @TempDir
    Path tmp;

    @Test
    void hundredThousandSpawnsLeaveNothingBehind() throws Exception {
        Path noInterpreter = script("no-interp", "#!/no/such/interpreter\n");
        Path notExecutable = Files.writeString(tmp.resolve("interp"), "not executable");
        Path deniedInterpreter = script("denied", "#!" + notExecutable + "\n");
        int ok = Uapi.helper("exit", "0");
        int missing = builder(noInterpreter);
        int denied = builder(deniedInterpreter);
        int closedFd = Uapi.closedFdNumber();
        try {
            round(ok, missing, denied, closedFd, 2_000); // warm up: classes, JIT, the trampoline, NMT's own books
            Thread.sleep(1500); // let the watchdog thread go idle
            long taskCount = tasks();
            int threads = Thread.activeCount();
            Set<Integer> fds = Helper.openFds();
            Set<Integer> children = Helper.children();
            long nativeBefore = NativeMemory.committedKib("Other");

            int[] counts = round(ok, missing, denied, closedFd, SPAWNS);
            assertThat(counts[0]).isEqualTo(SPAWNS - SPAWNS / 10);
            assertThat(counts[1]).isEqualTo(SPAWNS / 10);

            Thread.sleep(1500);
            System.gc();
            assertThat(Helper.openFds()).isEqualTo(fds);
            assertThat(Helper.children()).isEqualTo(children);
            assertThat(Thread.activeCount()).isLessThanOrEqualTo(threads);
            assertThat(tasks()).isLessThanOrEqualTo(taskCount);
            long nativeAfter = NativeMemory.committedKib("Other");
            System.out.printf("soak: %d spawns; NMT Other %d KiB -> %d KiB%n", SPAWNS, nativeBefore, nativeAfter);
            if (nativeBefore >= 0) {
                assertThat(nativeAfter - nativeBefore).as("native memory growth in KiB").isLessThan(1024);
            }
        } finally {
            close(ok);
            close(missing);
            close(denied);
        }
    }

    /** Runs n spawns on 8 threads and checks each result; returns {successes, failures}. */
    private static int[] round(int ok, int missing, int denied, int closedFd, int n) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger good = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(THREADS);
        for (int t = 0; t < THREADS; t++) {
            Thread.ofPlatform().start(() -> {
                try {
                    int i;
                    while ((i = next.getAndIncrement()) < n) {
                        String problem = one(i, ok, missing, denied, closedFd);
                        if (problem == null) {
                            (i % 10 == 9 ? failed : good).incrementAndGet();
                        } else {
                            wrong.add(problem);
                        }
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        assertThat(wrong).isEmpty();
        return new int[] {good.get(), failed.get()};
    }

    /** One spawn; null when its result is the expected one, else what was wrong. */
    private static String one(int i, int ok, int missing, int denied, int closedFd) {
        int kind = i % 10 == 9 ? (i / 10) % 4 : -1;
        try {
            Spawned child = switch (kind) {
                case 0 -> pidfd_spawn_run(missing, RunArgs.none());
                case 1 -> pidfd_spawn_run(ok, RunArgs.of(SpawnAction.chdir("/no/such/dir")));
                case 2 -> pidfd_spawn_run(ok, RunArgs.of(SpawnAction.dup2(closedFd, 5)));
                case 3 -> pidfd_spawn_run(denied, RunArgs.none());
                default -> pidfd_spawn_run(ok, RunArgs.none().withArgv(Helper.argv("exit", Integer.toString(i % 200))));
            };
            if (kind >= 0) {
                close(child.pidfd());
                return "spawn " + i + " (kind " + kind + ") did not fail";
            }
            ExitStatus status = pidfd_wait(child.pidfd(), 0);
            close(child.pidfd());
            return status.equals(ExitStatus.exited(i % 200)) ? null : "spawn " + i + ": " + status;
        } catch (SpawnException e) {
            record Want(SpawnStep step, int errno, int action) {}
            Want want = switch (kind) {
                case 0 -> new Want(SpawnStep.EXEC, Errno.ENOENT, -1);
                case 1 -> new Want(SpawnStep.CHDIR, Errno.ENOENT, 0);
                case 2 -> new Want(SpawnStep.DUP2, Errno.EBADF, 0);
                case 3 -> new Want(SpawnStep.EXEC, Errno.EACCES, -1);
                default -> null;
            };
            return want != null && want.equals(new Want(e.step(), e.errno(), e.actionIndex())) ? null : "spawn " + i + ": " + e;
        } catch (ErrnoException e) {
            return "spawn " + i + ": " + e;
        }
    }

    /** The JVM's threads as the kernel counts them. */
    private static long tasks() throws java.io.IOException {
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            return s.count();
        }
    }

    private Path script(String name, String text) throws Exception {
        Path p = Files.writeString(tmp.resolve(name), text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private static int builder(Path program) throws ErrnoException {
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, program.toString(), 0);
        return b;
    }
}
