package io.pidspawn.internal.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.Signals;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.testkit.Helper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trampoline's signal relay, in this JVM, on SIGUSR1 (which the JVM does not use, and which
 * would end it if the relay did not catch it): held until there is a target, forwarded to the
 * target's pidfd, never after the target is dropped, and the JVM's dispositions back after restore.
 */
class SignalRelayTest {
    @TempDir
    Path tmp;

    @AfterEach
    void restore() {
        SignalRelay.restore();
    }

    @Test
    void aSignalIsHeldUntilThereIsATargetThenForwardedAsItComes() throws Exception {
        assertThat(caught(Signals.SIGUSR1)).isFalse();
        SignalRelay.install(Signals.SIGUSR1);
        assertThat(caught(Signals.SIGUSR1)).isTrue();
        String script = "n=0; trap 'n=$((n+1)); echo $n >> got; [ $n = 2 ] && exit 3' USR1; touch ready; "
                + "while :; do sleep 0.1; done";
        try (Command sh = Command.builder("sh").args("-c", script).cwd(tmp).build(); Child child = sh.spawn()) {
            awaitFile("ready");
            sendToMe(Signals.SIGUSR1); // no target: held
            Thread.sleep(300);
            assertThat(tmp.resolve("got")).doesNotExist();
            SignalRelay.target(child.pidfd(), 0);
            awaitFile("got");
            assertThat(Files.readString(tmp.resolve("got"))).isEqualTo("1\n");
            sendToMe(Signals.SIGUSR1); // forwarded as it comes
            assertThat(child.waitFor(Duration.ofSeconds(30))).isTrue();
            assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(3));
            assertThat(Files.readString(tmp.resolve("got"))).isEqualTo("1\n2\n");
        }
        SignalRelay.restore();
        assertThat(caught(Signals.SIGUSR1)).isFalse();
    }

    @Test
    void aDroppedTargetGetsNothingAndTheCallersPidfdMayCloseFirst() throws Exception {
        SignalRelay.install(Signals.SIGUSR1);
        String script = "trap 'echo got >> got' USR1; touch ready; while :; do sleep 0.1; done";
        try (Command sh = Command.builder("sh").args("-c", script).cwd(tmp).build(); Child child = sh.spawn()) {
            awaitFile("ready");
            SignalRelay.target(child.pidfd(), 0);
            SignalRelay.clearTarget();
            sendToMe(Signals.SIGUSR1);
            Thread.sleep(300);
            assertThat(tmp.resolve("got")).doesNotExist();
            child.kill();
            child.waitFor();
        }
        // The relay holds its own dup: the target outlives the caller's pidfd.
        try (Command sh = Command.builder("sh").args("-c", "trap 'exit 4' USR1; touch ready2; while :; do sleep 0.1; done")
                .cwd(tmp).build(); Child child = sh.spawn()) {
            awaitFile("ready2");
            int dup = Libc.fcntl(child.pidfd(), Libc.F_DUPFD_CLOEXEC, 0);
            assertThat(dup).isNotNegative();
            SignalRelay.target(dup, 0);
            Libc.close(dup);
            sendToMe(Signals.SIGUSR1);
            assertThat(child.waitFor(Duration.ofSeconds(30))).isTrue();
            assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(4));
        }
    }

    @Test
    void badRequestsAreRefusedAndChangeNothing() throws Exception {
        assertThatThrownBy(() -> SignalRelay.install(Signals.SIGUSR1, Signals.SIGKILL))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThat(caught(Signals.SIGUSR1)).isFalse();
        assertThatThrownBy(() -> SignalRelay.install(65))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        SignalRelay.install(Signals.SIGUSR1);
        assertThatThrownBy(() -> SignalRelay.install(Signals.SIGUSR1))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY));
        assertThatThrownBy(() -> SignalRelay.target(Helper.openFds().stream().max(Integer::compare).orElseThrow() + 1000, 0))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
    }

    /** Whether this process catches sig: its bit in /proc/self/status's SigCgt. */
    private static boolean caught(int sig) throws Exception {
        String line = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("SigCgt:")).findFirst().orElseThrow();
        return (Long.parseUnsignedLong(line.substring("SigCgt:".length()).trim(), 16) & (1L << (sig - 1))) != 0;
    }

    private static void sendToMe(int sig) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(ProcessHandle.current().pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    private void awaitFile(String name) throws InterruptedException {
        for (int i = 0; !Files.exists(tmp.resolve(name)); i++) {
            assertThat(i).as(name + " within 30 s").isLessThan(3000);
            Thread.sleep(10);
        }
    }
}
