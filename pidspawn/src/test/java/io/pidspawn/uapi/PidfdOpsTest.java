package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static io.pidspawn.uapi.Uapi.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.LeakGuard;
import io.pidspawn.internal.linux.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pidfd operations on a spawned child's pidfd: signal, poll, wait (WNOHANG, WNOWAIT), getfd
 * and info. The hazards: a wrapper that decodes the kernel's answer wrongly (a signal death read
 * as an exit, a running child reported as exited), a WNOWAIT that reaps, a getfd that copies the
 * wrong fd, info that names the wrong process or parent, and an exit status lost after reaping.
 */
@ExtendWith(LeakGuard.class)
class PidfdOpsTest {

    @Test
    void sigtermThroughThePidfdKillsASleepingChildWithSignal15() throws Exception {
        int b = Uapi.helper("sleep", "10");
        try {
            Spawned child = pidfd_spawn_run(b, RunArgs.none());
            long start = System.nanoTime();
            pidfd_send_signal(child.pidfd(), 15, 0);
            ExitStatus s = Uapi.waitAndClose(child);
            assertThat(s).isEqualTo(ExitStatus.killed(15, false));
            assertThat(s.exited()).isFalse();
            assertThat(s.shellCode()).isEqualTo(143);
            assertThat((System.nanoTime() - start) / 1_000_000).as("the signal ended the 10 s sleep").isLessThan(5000);
        } finally {
            close(b);
        }
    }

    @Test
    void signalZeroProbesAndAReapedChildAnswersEsrch() throws Exception {
        int b = Uapi.helper("exit", "0");
        try {
            Spawned child = pidfd_spawn_run(b, RunArgs.none());
            try {
                assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.exited(0));
                assertErrno(Errno.ESRCH, () -> pidfd_send_signal(child.pidfd(), 15, 0));
                assertErrno(Errno.ESRCH, () -> pidfd_send_signal(child.pidfd(), 0, 0));
            } finally {
                close(child.pidfd());
            }
        } finally {
            close(b);
        }
    }

    @Test
    void pollIsFalseWhileRunningAndTrueAfterExit() throws Exception {
        int b = Uapi.helper("sleep", "0.3");
        try {
            Spawned child = pidfd_spawn_run(b, RunArgs.none());
            try {
                assertThat(pidfd_poll(child.pidfd(), 0)).as("running, timeout 0").isFalse();
                assertThat(pidfd_poll(child.pidfd(), 50)).as("still running after 50 ms").isFalse();
                assertThat(pidfd_poll(child.pidfd(), 10_000)).as("exited").isTrue();
                assertThat(pidfd_poll(child.pidfd(), 0)).as("stays readable before the wait").isTrue();
                assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.exited(0));
                assertThat(pidfd_poll(child.pidfd(), 0)).as("and after it").isTrue();
            } finally {
                close(child.pidfd());
            }
        } finally {
            close(b);
        }
    }

    @Test
    void pollOfAClosedFdIsEbadf() {
        int closed = Uapi.closedFdNumber();
        assertErrno(Errno.EBADF, () -> pidfd_poll(closed, 0));
    }

    @Test
    void waitWithWnohangReturnsNullWhileRunning() throws Exception {
        int b = Uapi.helper("sleep", "10");
        try {
            Spawned child = pidfd_spawn_run(b, RunArgs.none());
            try {
                assertThat(pidfd_wait(child.pidfd(), WNOHANG)).isNull();
                assertThat(pidfd_wait(child.pidfd(), WNOHANG | WNOWAIT)).isNull();
                pidfd_send_signal(child.pidfd(), 9, 0);
                assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.killed(9, false));
            } finally {
                close(child.pidfd());
            }
        } finally {
            close(b);
        }
    }

    @Test
    void wnowaitLeavesTheChildWaitable() throws Exception {
        int b = Uapi.helper("exit", "5");
        try {
            Spawned child = pidfd_spawn_run(b, RunArgs.none());
            try {
                assertThat(pidfd_wait(child.pidfd(), WNOWAIT)).isEqualTo(ExitStatus.exited(5));
                assertThat(pidfd_wait(child.pidfd(), WNOWAIT)).isEqualTo(ExitStatus.exited(5));
                assertThat(pidfd_wait(child.pidfd(), 0)).as("still waitable after WNOWAIT").isEqualTo(ExitStatus.exited(5));
                assertErrno(Errno.ECHILD, () -> pidfd_wait(child.pidfd(), WNOHANG));
            } finally {
                close(child.pidfd());
            }
        } finally {
            close(b);
        }
    }

    @Test
    void waitRejectsUnknownOptions() throws Exception {
        int b = Uapi.helper("exit", "0");
        try {
            Spawned child = pidfd_spawn_run(b, RunArgs.none());
            try {
                assertErrno(Errno.EINVAL, () -> pidfd_wait(child.pidfd(), Libc.WSTOPPED));
                assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.exited(0));
            } finally {
                close(child.pidfd());
            }
        } finally {
            close(b);
        }
    }

    @Test
    void getfdCopiesTheChildsStdout() throws Exception {
        int b = Uapi.helper("sleep", "2");
        int[] pipe = Uapi.pipe();
        try {
            Spawned child = pidfd_spawn_run(b, RunArgs.of(SpawnAction.dup2(pipe[1], 1)));
            Libc.close(pipe[1]);
            pipe[1] = -1;
            int copy = -1;
            try {
                copy = pidfd_getfd(child.pidfd(), 1, 0);
                assertThat(Libc.fdFlags(copy) & Libc.FD_CLOEXEC).as("close-on-exec").isEqualTo(Libc.FD_CLOEXEC);
                Uapi.write(copy, "written-through-the-childs-fd-1");
                Libc.close(copy);
                copy = -1;
                // Only the child holds the write end now: end it so the read sees end of file.
                pidfd_send_signal(child.pidfd(), 9, 0);
                assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.killed(9, false));
                assertThat(Uapi.readAll(pipe[0])).isEqualTo("written-through-the-childs-fd-1");
            } finally {
                if (copy >= 0) {
                    Libc.close(copy);
                }
                close(child.pidfd());
            }
        } finally {
            close(b);
            for (int fd : pipe) {
                if (fd >= 0) {
                    Libc.close(fd);
                }
            }
        }
    }

    @Test
    void getfdOfAFdTheChildDoesNotHaveIsEbadf() throws Exception {
        int b = Uapi.helper("sleep", "10");
        try {
            Spawned child = pidfd_spawn_run(b, RunArgs.none());
            try {
                // Default set-up closes everything above 2, so fd 7 is not open in the child.
                assertErrno(Errno.EBADF, () -> pidfd_getfd(child.pidfd(), 7, 0));
                assertErrno(Errno.EINVAL, () -> pidfd_getfd(child.pidfd(), 1, 1));
            } finally {
                pidfd_send_signal(child.pidfd(), 9, 0);
                pidfd_wait(child.pidfd(), 0);
                close(child.pidfd());
            }
        } finally {
            close(b);
        }
    }

    @Test
    void infoNamesTheChildAndThisJvmAsItsParent() throws Exception {
        int b = Uapi.helper("sleep", "10");
        try {
            Spawned child = pidfd_spawn_run(b, RunArgs.none());
            try {
                PidfdInfo info = pidfd_info(child.pidfd());
                assertThat(info.pid()).isEqualTo(child.pid());
                assertThat(info.ppid()).isEqualTo((int) ProcessHandle.current().pid());
                assertThat(info.ruid()).isEqualTo(ourUid());
                assertThat(info.exit()).as("no exit status while it runs").isNull();
                pidfd_send_signal(child.pidfd(), 9, 0);
                assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.killed(9, false));
                assertExitInfo(child.pidfd(), ExitStatus.killed(9, false));
            } finally {
                close(child.pidfd());
            }
        } finally {
            close(b);
        }
    }

    @Test
    void infoAfterReapingGivesTheExitCode() throws Exception {
        int b = Uapi.helper("exit", "7");
        try {
            Spawned child = pidfd_spawn_run(b, RunArgs.none());
            try {
                assertThat(pidfd_wait(child.pidfd(), 0)).isEqualTo(ExitStatus.exited(7));
                assertExitInfo(child.pidfd(), ExitStatus.exited(7));
            } finally {
                close(child.pidfd());
            }
        } finally {
            close(b);
        }
    }

    /** This JVM's real uid, from /proc/self/status. */
    private static int ourUid() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no Uid in /proc/self/status");
    }

    /** The reaped process's exit status through PIDFD_INFO_EXIT (Linux 6.15); skipped on older kernels. */
    private static void assertExitInfo(int pidfd, ExitStatus expected) throws ErrnoException {
        PidfdInfo info;
        try {
            info = pidfd_info(pidfd);
        } catch (ErrnoException e) {
            Assumptions.assumeTrue(e.errno() != Errno.ESRCH, "no PIDFD_INFO_EXIT on this kernel (ESRCH after reaping)");
            throw e;
        }
        Assumptions.assumeTrue(info.exit() != null, "no PIDFD_INFO_EXIT on this kernel");
        assertThat(info.fromIoctl()).isTrue();
        assertThat(info.exit()).isEqualTo(expected);
    }
}
