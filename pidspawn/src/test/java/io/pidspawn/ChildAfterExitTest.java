package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.testkit.Helper;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What every Child call does once the child has exited, in the three states the class
 * documentation names: reaped by the library but not yet waited for, waited for, and closed.
 */
@ExtendWith(LeakGuard.class)
class ChildAfterExitTest {
    private static final ExitStatus THREE = ExitStatus.exited(3);

    private static Command exits3() throws Exception {
        return Command.builder(Helper.path()).args("out", "bye", ";", "exit", "3").stdout(Stdio.pipe()).build();
    }

    /** Until the reaper has reaped it: exitStatus() turns non-empty then, without waiting. */
    private static void awaitReaped(Child child) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (child.exitStatus().isEmpty()) {
            assertThat(System.nanoTime()).as("reaped within 30 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void reapedButNotWaitedForThePidfdIsStillHeld() throws Exception {
        try (Command c = exits3(); Child child = c.spawn()) {
            awaitReaped(child);
            assertThat(child.exitStatus()).contains(THREE);
            assertThat(child.pidfd()).as("the pidfd stays until waitFor returns or close").isGreaterThanOrEqualTo(0);
            assertThat(child.signal(0)).isFalse();
            assertThat(child.signal(Signals.SIGTERM)).isFalse();
            assertThat(child.kill()).isFalse();
            assertThat(child.killProcessGroup(Signals.SIGTERM)).as("no group left to reach").isFalse();
            assertThat(child.info().exit()).as("info after the exit, where the kernel keeps it (6.15+)")
                    .satisfiesAnyOf(e -> assertThat(e).isNull(), e -> assertThat(e).isEqualTo(THREE));
            assertThat(child.onExit().get(30, TimeUnit.SECONDS)).as("completed on the pidspawn-exit thread").isEqualTo(THREE);
            assertThat(new String(child.stdout().readAllBytes())).as("what it wrote is still there").isEqualTo("bye\n");
            assertThat(child.waitFor()).isEqualTo(THREE);
        }
    }

    @Test
    void waitedForEveryCallAnswersFromTheRecordedStatus() throws Exception {
        try (Command c = exits3(); Child child = c.spawn()) {
            int pid = child.pid();
            assertThat(child.waitFor()).isEqualTo(THREE);
            assertThat(child.waitFor()).as("waiting again returns the same status at once").isEqualTo(THREE);
            assertThat(child.waitFor(Duration.ZERO)).isTrue();
            assertThat(child.exitStatus()).contains(THREE);
            assertThat(child.onExit().get(30, TimeUnit.SECONDS)).isEqualTo(THREE);
            assertThat(child.pid()).isEqualTo(pid);
            assertThat(child.signal(Signals.SIGTERM)).isFalse();
            assertThat(child.kill()).isFalse();
            assertThat(child.killProcessGroup(Signals.SIGTERM)).isFalse();
            assertThatThrownBy(() -> child.signal(65)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(child::pidfd).isInstanceOf(IllegalStateException.class).hasMessageContaining("released");
            assertThatThrownBy(child::info).isInstanceOf(IllegalStateException.class).hasMessageContaining("released");
            assertThatThrownBy(child::killCgroup).isInstanceOf(IllegalStateException.class);
            Output rest = child.output();
            assertThat(rest.status()).isEqualTo(THREE);
            assertThat(rest.stdoutText()).as("output() after waitFor reads what is left").isEqualTo("bye\n");
            assertThat(child.toString()).contains("pid " + pid).contains("exit 3");
        }
    }

    @Test
    void killCgroupStillEndsWhatTheChildLeftAfterItWasWaitedFor() throws Exception {
        Helper.assumeRoot("creating a cgroup");
        java.nio.file.Path root = io.pidspawn.internal.spawn.Cgroups.mountPoint();
        org.junit.jupiter.api.Assumptions.assumeTrue(root != null, "no cgroup2 mount");
        java.nio.file.Path group = java.nio.file.Files.createDirectory(root.resolve("pidspawn-after-" + ProcessHandle.current().pid()));
        try (Command c = Command.builder("/bin/sh").args("-c", Helper.path() + " sleep 60 >/dev/null & echo $!")
                .stdout(Stdio.pipe()).cgroup(group).build(); Child child = c.spawn()) {
            long left = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(child.stdout())).readLine());
            assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(0));
            ProcessHandle sleeper = ProcessHandle.of(left).orElseThrow();
            assertThat(sleeper.isAlive()).as("left running by the exited child").isTrue();
            child.killCgroup();
            sleeper.onExit().get(20, TimeUnit.SECONDS); // well before its 60 s are up
        } finally {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                try {
                    java.nio.file.Files.delete(group);
                    break;
                } catch (java.nio.file.FileSystemException busy) {
                    assertThat(System.nanoTime()).isLessThan(deadline);
                    Thread.sleep(10);
                }
            }
        }
    }

    @Test
    void closedTheStatusIsStillKnownAndNothingIsSignalled() throws Exception {
        try (Command c = Command.builder(Helper.path()).args("sleep", "30").stdout(Stdio.pipe()).build()) {
            Child child = c.spawn();
            child.close();
            child.close(); // again: nothing happens
            assertThatThrownBy(child::pidfd).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(child::info).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> child.signal(Signals.SIGTERM)).as("running, but its pidfd is gone")
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> child.stdout().read()).as("its pipe end is closed").isInstanceOf(java.io.IOException.class);
            assertThat(child.waitFor(Duration.ofMillis(50))).isFalse();
            // The reaper still holds its own pidfd reference: the child can only be ended from outside now.
            assertThat(ProcessHandle.of(child.pid()).orElseThrow().destroyForcibly()).isTrue();
            assertThat(child.waitFor()).isEqualTo(ExitStatus.killed(Signals.SIGKILL, false));
            assertThat(child.kill()).isFalse();
            assertThat(child.exitStatus()).contains(ExitStatus.killed(Signals.SIGKILL, false));
        }
    }
}
