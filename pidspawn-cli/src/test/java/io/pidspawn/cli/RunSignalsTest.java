package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.Signals;
import io.pidspawn.Stdio;
import io.pidspawn.testkit.Helper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to {@code pidspawn run} go to the child, as timeout(1)
 * forwards them, and pidspawn exits with the child's status: each case runs side by side with
 * {@code timeout 60} on the same script. No terminal is attached; the signal goes to the pidspawn
 * JVM's pid alone.
 */
class RunSignalsTest {
    private static final List<String> DEFAULT = List.of("--default-signal=INT,QUIT,TERM,HUP");
    /** As a non-interactive shell starts a background job; TERM and HUP as the test JVM may not have them. */
    private static final List<String> IGNORING = List.of("--ignore-signal=INT,QUIT", "--default-signal=TERM,HUP");

    @TempDir
    Path tmp;

    private final String marker = "pidspawn-signals-" + UUID.randomUUID();

    /** What one run printed and how it ended, and what it left in its directory. */
    private record Outcome(int exit, String out, String err, List<String> files, Path dir) {}

    @AfterEach
    void killLeftovers() throws Exception {
        for (int pid : Helper.withMarker(marker)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM", "HUP", "QUIT"})
    void aSignalTheChildTrapsReachesItAndItsExitStatusIsPidspawns(String sig) throws Exception {
        String script = "trap 'echo got " + sig + "; exit 3' " + sig + "; " + waitLoop();
        Outcome pidspawn = pidspawn(DEFAULT, sig, script);
        Outcome timeout = timeout(DEFAULT, sig, script);
        assertThat(pidspawn.exit()).isEqualTo(timeout.exit()).isEqualTo(3);
        assertThat(pidspawn.out()).isEqualTo(timeout.out()).isEqualTo("got " + sig + "\n");
        assertThat(pidspawn.err()).isEmpty();
        assertThat(pidspawn.files()).containsExactly("ready"); // no hs_err_pid*.log, no core
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM", "HUP", "QUIT"})
    void aChildKilledByTheSignalIs128PlusItAsUnderTimeout(String sig) throws Exception {
        // The child dies of the signal itself (no core for SIGQUIT, whatever the machine's limit).
        String script = "ulimit -c 0; touch ready; exec sleep 60";
        Outcome pidspawn = pidspawn(DEFAULT, sig, script);
        Outcome timeout = timeout(DEFAULT, sig, script);
        int expected = 128 + Signals.parse(sig);
        assertThat(pidspawn.exit()).isEqualTo(timeout.exit()).isEqualTo(expected);
        assertThat(pidspawn.out()).isEmpty(); // SIGQUIT: no thread dump
        assertThat(pidspawn.err()).isEmpty();
        assertThat(pidspawn.files()).containsExactly("ready");
    }

    @Test
    void signalsPidspawnWasStartedIgnoringAreForwardedAsTimeoutForwardsThem() throws Exception {
        // The JVM on its own never handles a signal it inherited ignored; timeout(1) installs its
        // handlers anyway, and its child, like pidspawn's, starts with them at their defaults.
        for (String sig : List.of("INT", "QUIT")) {
            String script = "trap 'echo got " + sig + "; exit 3' " + sig + "; " + waitLoop();
            Outcome pidspawn = pidspawn(IGNORING, sig, script);
            Outcome timeout = timeout(IGNORING, sig, script);
            assertThat(pidspawn.exit()).as(sig).isEqualTo(timeout.exit()).isEqualTo(3);
            assertThat(pidspawn.out()).as(sig).isEqualTo(timeout.out()).isEqualTo("got " + sig + "\n");
            assertThat(pidspawn.files()).as(sig).containsExactly("ready");
        }
    }

    @Test
    void aChildThatLeadsItsOwnGroupUnderTimeoutHasTheGroupSignalledTooAsTimeoutDoes() throws Exception {
        // With --timeout the child leads a process group, as timeout(1) makes one; timeout(1)
        // passes a signal to its child and then to that group, so the grandchild gets it too.
        String script = "sleep 60 >/dev/null 2>&1 & echo $! > grandchild; touch ready; wait";
        Outcome pidspawn = signalled(Cli.command(DEFAULT, "run", "--timeout", "60s", "--", "sh", "-c", script, marker), "pidspawn", "TERM");
        Outcome timeout = timeout(DEFAULT, "TERM", script);
        assertThat(pidspawn.exit()).isEqualTo(timeout.exit()).isEqualTo(143);
        for (Outcome o : List.of(pidspawn, timeout)) {
            long grandchild = Long.parseLong(Files.readString(o.dir().resolve("grandchild")).trim());
            for (int i = 0; i < 2000 && ProcessHandle.of(grandchild).filter(ProcessHandle::isAlive).isPresent(); i++) {
                Thread.sleep(10); // a signal is on its way to it, or it lives on
            }
            boolean alive = ProcessHandle.of(grandchild).filter(ProcessHandle::isAlive).isPresent();
            ProcessHandle.of(grandchild).ifPresent(ProcessHandle::destroyForcibly);
            assertThat(alive).as("the grandchild in " + o.dir() + " lives on").isFalse();
        }
    }

    @Test
    void onATerminalCtrlCAndCtrlBackslashReachTheChildAsUnderTimeout() throws Exception {
        // The terminal signals its foreground group, pidspawn and the child both (no --timeout:
        // the child stays in pidspawn's group), and pidspawn forwards it as well, as timeout(1)
        // does; the child's trap runs and its status is pidspawn's. No thread dump on ^\: pidspawn
        // shows the child's output and nothing else.
        for (String sig : List.of("INT", "QUIT")) {
            String script = "trap 'echo got " + sig + "; exit 3' " + sig + "; " + waitLoop();
            List<String> timeout = new ArrayList<>(List.of("/usr/bin/env"));
            timeout.addAll(DEFAULT);
            timeout.addAll(List.of("timeout", "60", "sh", "-c", script, marker));
            String viaPidspawn = onTerminal(Cli.command(DEFAULT, "run", "--", "sh", "-c", script, marker), "pidspawn", sig);
            String viaTimeout = onTerminal(timeout, "timeout", sig);
            // The child gets the signal twice, from the terminal and forwarded, under both; its
            // trap may run once or twice, as the two come together or apart.
            // A wait-loop sleep the key caught between its fork and its ignoring of the signal
            // (an asynchronous command ignores SIGINT and SIGQUIT) makes sh report "Quit".
            String got = "got " + sig + "\r\n", quit = "(Quit\r\n)?";
            String once = "(" + quit + got + quit + ")";
            assertThat(viaTimeout).as("timeout, " + sig).matches("exit 3: " + once + "{1,2}");
            assertThat(viaPidspawn).as("pidspawn, " + sig).matches("exit 3: " + once + "{1,2}");
        }
    }

    /** Runs cmd on a new terminal, types the key for sig once the child is ready; its status and what it showed. */
    private String onTerminal(List<String> cmd, String name, String sig) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve(name + "-tty-" + sig + "-" + UUID.randomUUID()));
        Stdio.Pty pty = Stdio.pty().withEcho(false);
        try (Command c = Command.builder(cmd.get(0)).args(cmd.subList(1, cmd.size())).cwd(dir)
                .stdin(pty).stdout(pty).stderr(pty).build(); Child child = c.spawn()) {
            CompletableFuture<String> shown = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(child.terminal().inputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "read failed: " + e;
                }
            }, task -> Thread.ofVirtual().start(task));
            try {
                for (int i = 0; !Files.exists(dir.resolve("ready")); i++) {
                    assertThat(child.exitStatus()).as(name + " runs until its child is ready").isEmpty();
                    assertThat(i).as(name + "'s child is ready within 60 s").isLessThan(6000);
                    Thread.sleep(10);
                }
                child.terminal().outputStream().write(sig.equals("INT") ? 3 : 0x1c); // ^C, ^\
                child.terminal().outputStream().flush();
                assertThat(child.waitFor(Duration.ofSeconds(60))).as(name + " ends").isTrue();
                return "exit " + child.waitFor().code() + ": " + shown.get(30, TimeUnit.SECONDS);
            } finally {
                child.kill();
                child.waitFor();
            }
        }
    }

    /**
     * Marks the child ready, then waits in the wait builtin, which a trapped signal interrupts.
     * The sleeps run in the background, so they ignore SIGINT and SIGQUIT (a terminal's ^C hits
     * only the shell), and no foreground job's death decides what the shell does. The shell's $0
     * is the test's marker, to find it if the test fails.
     */
    private String waitLoop() {
        return "touch ready; while :; do sleep 0.1 & wait $!; done";
    }

    private Outcome pidspawn(List<String> envOptions, String sig, String script) throws Exception {
        return signalled(Cli.command(envOptions, "run", "--", "sh", "-c", script, marker), "pidspawn", sig);
    }

    private Outcome timeout(List<String> envOptions, String sig, String script) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/env"));
        cmd.addAll(envOptions);
        cmd.addAll(List.of("timeout", "60", "sh", "-c", script, marker));
        return signalled(cmd, "timeout", sig);
    }

    /** Runs cmd in a directory of its own, sends sig to its pid once the child is ready, and waits. */
    private Outcome signalled(List<String> cmd, String name, String sig) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve(name + "-" + sig + "-" + UUID.randomUUID()));
        try (Cli.Running r = Cli.start(new ProcessBuilder(cmd).directory(dir.toFile()))) {
            Path ready = dir.resolve("ready");
            for (int i = 0; !Files.exists(ready); i++) {
                assertThat(r.process().isAlive()).as(name + " runs until its child is ready").isTrue();
                assertThat(i).as(name + "'s child is ready within 60 s").isLessThan(6000);
                Thread.sleep(10);
            }
            kill(sig, r.pid());
            Cli.Result result = r.await();
            try (Stream<Path> files = Files.list(dir)) {
                return new Outcome(result.exit(), result.out(), result.err(),
                        files.map(f -> f.getFileName().toString()).sorted().toList(), dir);
            }
        }
    }

    private static void kill(String sig, long pid) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("kill", "-s", sig, Long.toString(pid)).inheritIO().start().waitFor()).isZero();
    }
}
