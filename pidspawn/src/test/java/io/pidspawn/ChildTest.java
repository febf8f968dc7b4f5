package io.pidspawn;

import io.pidspawn.testkit.Helper;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.internal.linux.Libc;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The handle: waiting, signals before and after exit, exit order, process groups, info. */
@ExtendWith(LeakGuard.class)
class ChildTest {
    private static Command helper(String... args) throws ErrnoException {
        return Command.builder(Helper.path()).args(args).build();
    }

    @Test
    void waitForWithTimeoutIsFalseWhileRunningThenKillEndsIt() throws Exception {
        try (Command c = helper("sleep", "10"); Child child = c.spawn()) {
            assertThat(child.waitFor(Duration.ofMillis(100))).isFalse();
            assertThat(child.exitStatus()).isEmpty();
            assertThat(child.signal(0)).isTrue();
            assertThat(child.kill()).isTrue();
            assertThat(child.waitFor()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
            assertThat(child.exitStatus()).contains(ExitStatus.killed(Signals.SIGKILL, false));
        }
    }

    /**
     * A platform thread waits in the kernel itself for a while, then hands the pidfd back to the
     * reaper: children ending inside and outside that window, and one only the reaper can see end.
     */
    @Test
    void exitsInsideAndAfterTheDirectWaitAreAllSeen() throws Exception {
        for (String seconds : List.of("0", "0.005", "0.05", "0.3")) {
            try (Command c = helper("sleep", seconds, ";", "exit", "7"); Child child = c.spawn()) {
                assertThat(child.waitFor()).as("child sleeping %s s", seconds).isEqualTo(ExitStatus.exited(7));
            }
        }
        try (Command c = helper("sleep", "0.2", ";", "exit", "3"); Child child = c.spawn()) {
            // A short timed wait takes the pidfd from the reaper and must give it back: else
            // nobody would see this exit, and onExit would never complete.
            assertThat(child.waitFor(Duration.ofMillis(5))).isFalse();
            assertThat(child.onExit().get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(3));
        }
    }

    @Test
    void manyThreadsWaitingForOneChildAllGetItsStatus() throws Exception {
        try (Command c = helper("sleep", "0.01", ";", "exit", "9"); Child child = c.spawn()) {
            List<CompletableFuture<ExitStatus>> waits = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                CompletableFuture<ExitStatus> f = new CompletableFuture<>();
                Thread.ofPlatform().start(() -> {
                    try {
                        f.complete(child.waitFor());
                    } catch (Throwable t) {
                        f.completeExceptionally(t);
                    }
                });
                waits.add(f);
            }
            for (CompletableFuture<ExitStatus> f : waits) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(9));
            }
        }
    }

    @Test
    void anInterruptedWaitThrowsAndTheChildIsStillSupervised() throws Exception {
        try (Command c = helper("sleep", "30"); Child child = c.spawn()) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread waiter = Thread.ofPlatform().start(() -> {
                try {
                    outcome.complete(new AssertionError("waitFor returned " + child.waitFor()));
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            Thread.sleep(5); // most likely inside the direct wait
            waiter.interrupt();
            assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
            assertThat(child.exitStatus()).isEmpty();
            assertThat(child.kill()).isTrue();
            assertThat(child.onExit().get(10, TimeUnit.SECONDS)).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
        }
    }

    @Test
    void stdoutAvailableTellsWhatThePipeHolds() throws Exception {
        try (Command c = helper("write", "1", "hello", ";", "sleep", "30");
                Child child = c.spawn(SpawnOverrides.none().withStdout(Stdio.pipe()))) {
            InputStream out = child.stdout();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (out.available() < 6 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(out.available()).isEqualTo(6);
            assertThat(out.readNBytes(6)).isEqualTo("hello\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(out.available()).isZero();
            child.kill();
            child.waitFor();
        }
    }

    @Test
    void killAfterExitReturnsFalseAndDoesNotThrow() throws Exception {
        try (Command c = helper("exit", "4"); Child child = c.spawn()) {
            assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(4));
            assertThat(child.kill()).isFalse();
            assertThat(child.signal(Signals.SIGTERM)).isFalse();
            assertThatThrownBy(child::pidfd).isInstanceOf(IllegalStateException.class).hasMessageContaining("waited for");
        }
    }

    @Test
    void signalToAReapedChildThatNobodyWaitedForIsNotSent() throws Exception {
        try (Command c = helper("exit", "0"); Child child = c.spawn()) {
            int pidfd = child.pidfd();
            // The reaper reaps it without anyone waiting: poll the status rather than waitFor.
            while (child.exitStatus().isEmpty()) {
                Thread.sleep(5);
            }
            assertThat(child.pidfd()).isEqualTo(pidfd); // not waited for: still ours
            assertThat(child.signal(Signals.SIGTERM)).isFalse();
            assertThat(child.killProcessGroup(Signals.SIGTERM)).isFalse();
        }
    }

    @Test
    void exitsAreDeliveredInTheOrderTheyHappen() throws Exception {
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<Child> children = new ArrayList<>();
        List<CompletableFuture<?>> done = new ArrayList<>();
        String[] sleeps = {"0.3", "0.1", "0.2"};
        try (Command c = helper("sleep")) {
            for (int i = 0; i < sleeps.length; i++) {
                int which = i;
                Child child = c.spawn(List.of(sleeps[i]));
                children.add(child);
                done.add(child.onExit().thenRun(() -> order.add(which)));
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get();
        } finally {
            children.forEach(Child::close);
        }
        assertThat(order).containsExactly(1, 2, 0);
    }

    @Test
    void onExitCallbacksNeverRunOnTheReaper() throws Exception {
        // Attached well before the exit: the callback runs on the library's exit thread.
        try (Command c = helper("sleep", "0.3", ";", "exit", "2"); Child child = c.spawn()) {
            String thread = child.onExit().thenApply(s -> Thread.currentThread().getName()).get();
            assertThat(thread).isEqualTo("pidspawn-exit");
            // Attached after it: the future is complete, so the callback runs at once, here.
            String after = child.onExit().thenApply(s -> Thread.currentThread().getName()).get();
            assertThat(after).isEqualTo(Thread.currentThread().getName());
            assertThat(child.onExit().get()).isEqualTo(ExitStatus.exited(2));
        }
    }

    @Test
    void infoComesFromTheKernel() throws Exception {
        try (Command c = helper("sleep", "5"); Child child = c.spawn()) {
            assertThat(child.info().pid()).isEqualTo(child.pid());
            assertThat(child.info().ppid()).isEqualTo(ProcessHandle.current().pid());
            child.kill();
            child.waitFor();
        }
    }

    @Test
    void processGroupKillNeedsAGroupLeader() throws Exception {
        try (Command c = helper("sleep", "5"); Child child = c.spawn()) {
            assertThatThrownBy(() -> child.killProcessGroup(Signals.SIGKILL))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("pid " + child.pid() + " does not lead a process group");
            child.kill();
            child.waitFor();
        }
    }

    @Test
    void processGroupKillReachesTheGrandchildren() throws Exception {
        // setsid(1) calls setsid() and execs, keeping the pid: the child leads a new group, and
        // its background grandchild is in it.
        String h = Helper.path();
        try (Command c = Command.builder("/usr/bin/setsid")
                .args("/bin/sh", "-c", h + " sleep 30 & echo $!; exec " + h + " sleep 30")
                .stdout(Stdio.pipe()).build();
                Child child = c.spawn()) {
            int grandchild = Integer.parseInt(new BufferedReader(new InputStreamReader(child.stdout())).readLine());
            while (pgrp(child.pid()) != child.pid()) {
                Thread.sleep(5); // setsid(1) has not got there yet
            }
            assertThat(child.killProcessGroup(Signals.SIGKILL)).isTrue();
            assertThat(child.waitFor()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (isRunning(grandchild) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(isRunning(grandchild)).as("grandchild %d after the group kill", grandchild).isFalse();
        }
    }

    @Test
    void processGroupKillReachesWhatAnExitedChildLeftInItsGroup() throws Exception {
        // The child exits at once; its background process stays in the group the child led.
        try (Command c = Command.builder("/bin/sh").args("-c", Helper.path() + " sleep 30 & echo $!")
                .processGroup(0).stdout(Stdio.pipe()).build();
                Child child = c.spawn()) {
            int left = Integer.parseInt(new BufferedReader(new InputStreamReader(child.stdout())).readLine());
            assertThat(child.onExit().get(5, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(0)); // reaped, not waited for
            assertThat(isRunning(left)).isTrue();
            Assumptions.assumeTrue(Libc.pidfdSendSignal(child.pidfd(), 0, Libc.PIDFD_SIGNAL_PROCESS_GROUP) != -Errno.EINVAL,
                    "PIDFD_SIGNAL_PROCESS_GROUP needs Linux 6.9");
            assertThat(child.killProcessGroup(Signals.SIGKILL)).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (isRunning(left) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(isRunning(left)).as("pid %d, left in the group", left).isFalse();
            child.waitFor();
            assertThat(child.killProcessGroup(Signals.SIGKILL)).as("the pidfd is released").isFalse();
        }
    }

    @Test
    void closeNeitherKillsNorWaits() throws Exception {
        try (Command c = helper("sleep", "0.2")) {
            Child child = c.spawn();
            child.close();
            assertThatThrownBy(child::pidfd).isInstanceOf(IllegalStateException.class);
            assertThat(isRunning(child.pid())).isTrue();
            assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(0)); // the reaper reaped it all the same
        }
    }

    private static int pgrp(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }

    private static boolean isRunning(int pid) throws Exception {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (java.nio.file.NoSuchFileException gone) {
            return false;
        }
    }
}
