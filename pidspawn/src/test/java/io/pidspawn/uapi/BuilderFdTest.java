package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static io.pidspawn.uapi.Uapi.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.testkit.Helper;
import io.pidspawn.LeakGuard;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.linux.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The builder fd and the one-fd spelling ({@code pidfd_open(0, PIDFD_EMPTY)}) as fds: a builder
 * must never pass for a pidfd (the kernel's own calls and pidspawn's reject it with EBADF); an
 * empty pidfd has no process until run (ESRCH), becomes the child's pidfd at the same number on
 * success (then EBUSY for config and run), and is dead after a failed run (ESRCH); close frees
 * it; and a builder's fd number reused behind the library's back is never taken for the builder.
 */
@ExtendWith(LeakGuard.class)
class BuilderFdTest {

    // ---- (a) a builder is not a pidfd ----

    @Test
    void kernelPidfdCallsRejectABuilderWithEbadf() throws Exception {
        int b = Uapi.helper("exit", "0");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(128, 8);
            assertThat(Libc.waitid(Libc.P_PIDFD, b, info, Libc.WEXITED | Libc.WNOHANG)).isEqualTo(-Errno.EBADF);
            assertThat(Libc.pidfdSendSignal(b, 0, 0)).isEqualTo(-Errno.EBADF);
            assertThat(Libc.pidfdGetfd(b, 0, 0)).isEqualTo(-Errno.EBADF);
            // ...while the same calls on a real pidfd (of this JVM) succeed: the fd kind is what matters.
            int self = pidfd_open(Libc.getpid(), 0);
            try {
                assertThat(Libc.pidfdSendSignal(self, 0, 0)).isZero();
            } finally {
                close(self);
            }
        } finally {
            close(b);
        }
    }

    @Test
    void pidspawnPidfdOperationsRejectABuilderWithEbadf() throws Exception {
        int b = Uapi.helper("exit", "0");
        try {
            assertErrno(Errno.EBADF, () -> pidfd_wait(b, 0));
            assertErrno(Errno.EBADF, () -> pidfd_wait(b, WNOHANG));
            assertErrno(Errno.EBADF, () -> pidfd_send_signal(b, 0, 0));
            assertErrno(Errno.EBADF, () -> pidfd_getfd(b, 0, 0));
            assertErrno(Errno.EBADF, () -> pidfd_poll(b, 0));
            assertErrno(Errno.EBADF, () -> pidfd_info(b));
            // The builder is untouched by the refused calls: it still runs.
            assertThat(Uapi.capture(b).status()).isEqualTo(ExitStatus.exited(0));
        } finally {
            close(b);
        }
    }

    // ---- (b) the one-fd spelling ----

    @Test
    void emptyPidfdAnswersEsrchToEveryPidfdOperationBeforeRun() throws Exception {
        int p = pidfd_open(0, PIDFD_EMPTY);
        try {
            assertThat(Libc.fdFlags(p) & Libc.FD_CLOEXEC).as("an empty pidfd is close-on-exec").isEqualTo(Libc.FD_CLOEXEC);
            assertErrno(Errno.ESRCH, () -> pidfd_wait(p, 0));
            assertErrno(Errno.ESRCH, () -> pidfd_wait(p, WNOHANG));
            assertErrno(Errno.ESRCH, () -> pidfd_send_signal(p, 0, 0));
            assertErrno(Errno.ESRCH, () -> pidfd_getfd(p, 0, 0));
            assertErrno(Errno.ESRCH, () -> pidfd_poll(p, 0));
            assertErrno(Errno.ESRCH, () -> pidfd_info(p));
        } finally {
            close(p);
        }
    }

    @Test
    void emptyPidfdRunBecomesTheChildsPidfdAtTheSameNumberAndWaitGivesItsExitCode() throws Exception {
        int p = pidfd_open(0, PIDFD_EMPTY);
        boolean closed = false;
        try {
            configureHelper(p, "exit", "42");
            Spawned child = pidfd_spawn_run(p, RunArgs.none());
            assertThat(child.pidfd()).isEqualTo(p);
            assertThat(child.pid()).isPositive();
            assertThat(pidfd_wait(p, 0)).isEqualTo(ExitStatus.exited(42));
            // It is a real pidfd now: the kernel accepts it (the process is reaped, so waitid says ECHILD, not EBADF).
            try (Arena a = Arena.ofConfined()) {
                assertThat(Libc.waitid(Libc.P_PIDFD, p, a.allocate(128, 8), Libc.WEXITED | Libc.WNOHANG))
                        .isEqualTo(-Errno.ECHILD);
            }
            close(p);
            closed = true;
            assertThat(Libc.fdFlags(p)).as("close closed the fd number").isEqualTo(-Errno.EBADF);
        } finally {
            if (!closed) {
                close(p);
            }
        }
    }

    @Test
    void emptyPidfdInfoNamesTheRunningChildAndSigkillEndsIt() throws Exception {
        int p = pidfd_open(0, PIDFD_EMPTY);
        try {
            configureHelper(p, "sleep", "5");
            Spawned child = pidfd_spawn_run(p, RunArgs.none());
            assertThat(child.pidfd()).isEqualTo(p);
            assertThat(pidfd_poll(p, 0)).as("running").isFalse();
            PidfdInfo info = pidfd_info(p);
            assertThat(info.pid()).isEqualTo(child.pid());
            assertThat(info.ppid()).isEqualTo((int) ProcessHandle.current().pid());
            long start = System.nanoTime();
            pidfd_send_signal(p, 9, 0);
            assertThat(pidfd_wait(p, 0)).isEqualTo(ExitStatus.killed(9, false));
            assertThat((System.nanoTime() - start) / 1_000_000).as("the kill ended the 5 s sleep").isLessThan(4000);
        } finally {
            close(p);
        }
    }

    // ---- (c) after a successful run ----

    @Test
    void configAndRunAfterASuccessfulRunFailWithEbusyAndConfigLogsIt() throws Exception {
        int p = pidfd_open(0, PIDFD_EMPTY);
        try {
            configureHelper(p, "exit", "0");
            Spawned child = pidfd_spawn_run(p, RunArgs.none());
            assertErrno(Errno.EBUSY, () -> pidfd_config(p, PIDFD_CONFIG_SET_STRING, KEY_ARGV, "more", 0));
            assertErrno(Errno.EBUSY, () -> pidfd_config(p, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, Helper.path(), 0));
            assertErrno(Errno.EBUSY, () -> pidfd_spawn_run(p, RunArgs.none()));
            assertThat(pidfd_config_log(p)).containsExactly(
                    "e argv: the process has already been started (EBUSY)",
                    "e executable: the process has already been started (EBUSY)");
            // The refusals did not disturb the process the fd refers to.
            assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.exited(0));
            // EBUSY also after the child has been reaped: the fd still refers to that (dead) process.
            assertErrno(Errno.EBUSY, () -> pidfd_spawn_run(p, RunArgs.none()));
        } finally {
            close(p);
        }
    }

    // ---- (d) after a failed run ----

    @Test
    void failedRunLeavesAnEmptyPidfdDeadWithEsrchUntilClosed() throws Exception {
        int p = pidfd_open(0, PIDFD_EMPTY);
        boolean closed = false;
        try {
            configureHelper(p, "exit", "0");
            var children = Helper.children();
            var thrown = assertErrno(Errno.ENOENT, () -> pidfd_spawn_run(p, RunArgs.of(SpawnAction.chdir("/nonexistent"))));
            assertThat(thrown).isInstanceOfSatisfying(SpawnException.class, e -> {
                assertThat(e.step()).isEqualTo(SpawnStep.CHDIR);
                assertThat(e.actionIndex()).isZero();
            });
            assertThat(Helper.children()).isEqualTo(children);

            assertErrno(Errno.ESRCH, () -> pidfd_config(p, PIDFD_CONFIG_SET_STRING, KEY_ARGV, "x", 0));
            assertErrno(Errno.ESRCH, () -> pidfd_spawn_run(p, RunArgs.none()));
            assertErrno(Errno.ESRCH, () -> pidfd_wait(p, WNOHANG));
            assertErrno(Errno.ESRCH, () -> pidfd_send_signal(p, 0, 0));
            assertErrno(Errno.ESRCH, () -> pidfd_getfd(p, 0, 0));
            assertErrno(Errno.ESRCH, () -> pidfd_poll(p, 0));
            assertErrno(Errno.ESRCH, () -> pidfd_info(p));
            assertThat(pidfd_config_log(p)).containsExactly(
                    "e argv: a failed run left this pidfd without a process (ESRCH)");

            close(p);
            closed = true;
            assertThat(Libc.fdFlags(p)).isEqualTo(-Errno.EBADF);
            assertErrno(Errno.EBADF, () -> pidfd_config(p, PIDFD_CONFIG_SET_STRING, KEY_ARGV, "x", 0));
        } finally {
            if (!closed) {
                close(p);
            }
        }
    }

    @Test
    void runRefusedForArgvBeyondExecLimitsAlsoLeavesAnEmptyPidfdDead() throws Exception {
        int p = pidfd_open(0, PIDFD_EMPTY);
        try {
            configureHelper(p, "exit", "0");
            List<String> huge = new ArrayList<>(Helper.argv("exit", "0"));
            for (int i = 0; i < 200; i++) {
                huge.add("x".repeat(100_000));
            }
            var thrown = assertErrno(Errno.E2BIG, () -> pidfd_spawn_run(p, RunArgs.none().withArgv(huge)));
            assertThat(thrown).isInstanceOfSatisfying(SpawnException.class, e -> assertThat(e.step()).isEqualTo(SpawnStep.PREPARE));
            assertErrno(Errno.ESRCH, () -> pidfd_spawn_run(p, RunArgs.none()));
            assertErrno(Errno.ESRCH, () -> pidfd_poll(p, 0));
        } finally {
            close(p);
        }
    }

    @Test
    void runRefusedForTooManyActionsLeavesAnEmptyPidfdDeadLikeAnyFailedRun() throws Exception {
        int p = pidfd_open(0, PIDFD_EMPTY);
        try {
            configureHelper(p, "exit", "0");
            List<SpawnAction> tooMany = Collections.nCopies(MAX_ACTIONS + 1, SpawnAction.sigmask(10));
            assertErrno(Errno.E2BIG, () -> pidfd_spawn_run(p, RunArgs.none().withActions(tooMany)));
            try {
                assertErrno(Errno.ESRCH, () -> pidfd_spawn_run(p, RunArgs.none()));
                assertErrno(Errno.ESRCH, () -> pidfd_poll(p, 0));
            } finally {
                if (Libc.pidfdSendSignal(p, 0, 0) == 0) {
                    pidfd_wait(p, 0); // a regression started a child: reap it
                }
            }
        } finally {
            close(p);
        }
    }

    @Test
    void startedOrDeadEmptyPidfdRefusesARunWithBadArgumentsWithEbusyOrEsrch() throws Exception {
        List<SpawnAction> tooMany = Collections.nCopies(MAX_ACTIONS + 1, SpawnAction.sigmask(10));
        int started = pidfd_open(0, PIDFD_EMPTY);
        try {
            configureHelper(started, "exit", "0");
            pidfd_spawn_run(started, RunArgs.none());
            assertThat(pidfd_wait(started, 0)).isEqualTo(ExitStatus.exited(0));
            assertErrno(Errno.EBUSY, () -> pidfd_spawn_run(started, RunArgs.none().withActions(tooMany)));
            assertErrno(Errno.EBUSY, () -> pidfd_spawn_run(started, RunArgs.none().withArgv(List.of("a\0b"))));
        } finally {
            close(started);
        }
        int dead = pidfd_open(0, PIDFD_EMPTY);
        try {
            configureHelper(dead, "exit", "0");
            assertErrno(Errno.ENOENT, () -> pidfd_spawn_run(dead, RunArgs.of(SpawnAction.chdir("/nonexistent"))));
            assertErrno(Errno.ESRCH, () -> pidfd_spawn_run(dead, RunArgs.none().withActions(tooMany)));
            assertErrno(Errno.ESRCH, () -> pidfd_spawn_run(dead, RunArgs.of(new SpawnAction.CloseRange(3, -1, 0x40))));
        } finally {
            close(dead);
        }
    }

    // ---- (e) flags ----

    @Test
    void emptyPidfdNeedsPidZeroAndNoOtherFlagAndSpawnOpenRejectsUnknownFlags() {
        assertErrno(Errno.EINVAL, () -> pidfd_open(1, PIDFD_EMPTY));
        assertErrno(Errno.EINVAL, () -> pidfd_open(Libc.getpid(), PIDFD_EMPTY));
        assertErrno(Errno.EINVAL, () -> pidfd_open(0, PIDFD_EMPTY | PIDFD_NONBLOCK));
        assertErrno(Errno.EINVAL, () -> pidfd_open(0, PIDFD_EMPTY | 0x1234));
        // Unknown flags without PIDFD_EMPTY reach the kernel, which refuses them too.
        assertErrno(Errno.EINVAL, () -> pidfd_open(Libc.getpid(), 0x1234));
        assertErrno(Errno.EINVAL, () -> pidfd_spawn_open(0x1234));
        assertErrno(Errno.EINVAL, () -> pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC | 1));
    }

    @Test
    void spawnOpenHonoursCloexec() throws Exception {
        int withCloexec = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        int without = pidfd_spawn_open(0);
        try {
            assertThat(Libc.fdFlags(withCloexec) & Libc.FD_CLOEXEC).isEqualTo(Libc.FD_CLOEXEC);
            assertThat(Libc.fdFlags(without) & Libc.FD_CLOEXEC).isZero();
        } finally {
            close(withCloexec);
            close(without);
        }
    }

    // ---- (f) close ----

    @Test
    void closeFreesTheBuilderAndLaterConfigIsEbadf() throws Exception {
        var fdsBefore = Helper.openFds();
        int b = Uapi.helper("exit", "0");
        int dir = Libc.openat(Libc.AT_FDCWD, "/tmp", Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        int devnull = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try {
            // Make the builder hold fds of its own: the pinned executable, a cwd, a mapped fd.
            pidfd_config(b, PIDFD_CONFIG_SET_FD, KEY_CWD, (String) null, dir);
            pidfd_config(b, PIDFD_CONFIG_SET_FD, "fd.7", (String) null, devnull);
            assertThat(Uapi.capture(b).status()).isEqualTo(ExitStatus.exited(0));
        } finally {
            Libc.close(dir);
            Libc.close(devnull);
        }
        assertThat(Helper.openFds()).as("the builder holds references").hasSizeGreaterThan(fdsBefore.size() + 1);
        close(b);
        assertThat(Helper.openFds()).as("close released every fd the builder held").isEqualTo(fdsBefore);
        assertErrno(Errno.EBADF, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ARGV, "x", 0));
        assertErrno(Errno.EBADF, () -> pidfd_spawn_run(b, RunArgs.none()));
        assertErrno(Errno.EBADF, () -> pidfd_config_log(b));
        assertErrno(Errno.EBADF, () -> close(b));
    }

    // ---- (g) fd number reuse ----

    @Test
    void aBuilderNumberClosedBehindTheLibrarysBackAndReusedByAPipeIsNotABuilder() throws Exception {
        var fdsBefore = Helper.openFds();
        int b = Uapi.helper("out", "x");
        int[] pipe = Uapi.pipe();
        boolean[] pipeClosedAtB = {false};
        try {
            assertThat(Libc.close(b)).isZero(); // behind the library's back
            // Put the pipe's read end at the builder's old number (the kernel might hand the number
            // to another thread's fd first; dup3 makes the reuse certain).
            assertThat(Libc.dup3(pipe[0], b, Libc.O_CLOEXEC)).isEqualTo(b);
            assertErrno(Errno.EBADF, () -> pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_ARGV, "x", 0));
            assertErrno(Errno.EBADF, () -> pidfd_spawn_run(b, RunArgs.none()));
            assertErrno(Errno.EBADF, () -> pidfd_config_log(b));
            // Not a builder, not a pidfd: the pidfd operations pass it to the kernel, which says EBADF.
            assertErrno(Errno.EBADF, () -> pidfd_send_signal(b, 0, 0));
            // The pipe at that number is an ordinary fd: it works as a pipe.
            Uapi.write(pipe[1], "still a pipe");
            Libc.close(pipe[1]);
            pipe[1] = -1;
            assertThat(Uapi.readAll(b)).isEqualTo("still a pipe");
            // close() on it closes the pipe and nothing else.
            close(b);
            pipeClosedAtB[0] = true;
            assertThat(Libc.fdFlags(b)).isEqualTo(-Errno.EBADF);
        } finally {
            for (int fd : pipe) {
                if (fd >= 0) {
                    Libc.close(fd);
                }
            }
            if (!pipeClosedAtB[0]) {
                Libc.close(b);
            }
        }
        // Noticing the reuse released what the forgotten builder held (its pinned executable).
        assertThat(Helper.openFds()).isEqualTo(fdsBefore);
    }

    @Test
    void aBuilderNumberReusedByANewBuilderIsTheNewBuilder() throws Exception {
        int b = Uapi.helper("out", "old");
        assertThat(Libc.close(b)).isZero(); // behind the library's back
        int again = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        try {
            Assumptions.assumeTrue(again == b, "the kernel handed the number to another fd first");
            // The new builder starts empty: none of the old builder's configuration leaks into it.
            assertErrno(Errno.EINVAL, () -> pidfd_spawn_run(again, RunArgs.none()));
            configureHelper(again, "out", "new");
            assertThat(Uapi.capture(again).out()).isEqualTo("new\n");
        } finally {
            close(again);
            if (again != b) {
                // Let the registry notice the old number is gone and release what that builder held.
                assertErrno(Errno.EBADF, () -> close(b));
            }
        }
    }

    private static void configureHelper(int fd, String... args) throws ErrnoException {
        pidfd_config(fd, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, Helper.path(), 0);
        pidfd_config(fd, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, Uapi.nulList(Helper.argv(args)), 0);
    }
}
