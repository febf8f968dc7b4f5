package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.testkit.Helper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Children on a pseudo-terminal: the terminal they see, its size, its signals, and every byte of their output. */
@ExtendWith(LeakGuard.class)
class PtyTest {
    private static Command.Builder sh(String script) {
        return Command.builder("/bin/sh").args("-c", script);
    }

    private static Command.Builder onPty(Command.Builder b, Stdio.Pty pty) {
        return b.stdin(pty).stdout(pty).stderr(pty);
    }

    private static String drain(InputStream in) throws Exception {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void theRequestedFdsAreTerminalsAndTheOthersAreNot() throws Exception {
        try (Command c = sh("for f in 0 1 2; do if [ -t $f ]; then echo $f:tty >&1; else echo $f:no >&1; fi; done; tty")
                .stdin(Stdio.discard()).stdout(Stdio.pty()).stderr(Stdio.discard()).build();
                Child child = c.spawn()) {
            String name = child.terminal().name();
            assertThat(name).matches("/dev/pts/\\d+");
            String shown = drain(child.stdout());
            assertThat(shown).contains("0:no", "1:tty", "2:no");
            assertThat(child.waitFor().code()).isEqualTo(1); // tty(1) exits 1 when stdin is not a terminal
        }
        try (Command c = onPty(sh("tty"), Stdio.pty()).build()) {
            Output o = c.output();
            assertThat(o.stdoutText()).matches("/dev/pts/\\d+\r\n"); // the terminal made \n into \r\n
            assertThat(o.status().success()).isTrue();
        }
    }

    @Test
    void sttyReportsTheSizeAndTheNewSizeAfterResize() throws Exception {
        try (Command c = onPty(sh("stty size; read x; stty size"), Stdio.pty(132, 43).withEcho(false)).build();
                Child child = c.spawn()) {
            InputStream in = child.terminal().inputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("43 132\r\n")) {
                int b = in.read();
                assertThat(b).isNotNegative();
                seen.append((char) b);
            }
            child.terminal().resize(100, 30);
            assertThat(child.terminal().size()).containsExactly(100, 30);
            child.terminal().outputStream().write("go\n".getBytes());
            assertThat(drain(in)).isEqualTo("30 100\r\n");
            assertThat(child.waitFor().success()).isTrue();
        }
        try (Command c = onPty(sh("stty size"), Stdio.pty()).build()) {
            assertThat(c.output().stdoutText()).isEqualTo("24 80\r\n");
        }
        assertThatThrownBy(() -> Stdio.pty(0, 24)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0x24");
    }

    @Test
    void theChildLeadsASessionWithThePtyAsControllingTerminal() throws Exception {
        // /proc/self/stat fields 6 and 7: session id and tty_nr; ps-free, so it needs no procps
        try (Command c = onPty(sh("read -r a b c d e sid tty rest < /proc/$$/stat; echo $$ $sid $tty; tty"), Stdio.pty()).build()) {
            String[] lines = c.output().stdoutText().split("\r\n");
            String[] f = lines[0].split(" ");
            assertThat(f[1]).isEqualTo(f[0]); // session leader
            int ttyNr = Integer.parseInt(f[2]);
            int minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
            assertThat(lines[1]).isEqualTo("/dev/pts/" + minor);
        }
    }

    @Test
    void ctrlCKillsTheForegroundSleep() throws Exception {
        // SIGINT back to its default: a test JVM started in the background by a non-interactive shell
        // inherits it ignored, and an ignored signal stays ignored across exec.
        try (Command c = onPty(sh("echo ready; exec sleep 30"), Stdio.pty()).defaultSignals(Signals.SIGINT).build();
             Child child = c.spawn()) {
            InputStream in = child.terminal().inputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains("ready\r\n")) {
                seen.append((char) in.read());
            }
            Thread.sleep(100); // let exec replace the shell; ^C is for whoever is in the foreground
            child.terminal().outputStream().write(3);
            try {
                assertThat(child.waitFor(Duration.ofSeconds(10))).isTrue();
                assertThat(child.waitFor().signal()).isEqualTo(Signals.SIGINT);
            } finally {
                child.kill(); // leave nothing to later tests if ^C did not end it
                child.waitFor();
            }
        }
    }

    @Test
    void interactiveBashAndPython() throws Exception {
        try (Command c = onPty(Command.builder("/bin/bash").args("--norc", "-i", "-c", "echo hi"), Stdio.pty()).build()) {
            Output o = c.output(Capture.defaults().withTimeout(Duration.ofSeconds(20)));
            assertThat(o.stdoutText()).contains("hi\r\n");
            assertThat(o.status().success()).isTrue();
        }
        Path python = Path.of("/usr/bin/python3");
        if (!Files.isExecutable(python)) {
            System.out.println("skip python3 -i: no /usr/bin/python3");
            return;
        }
        try (Command c = onPty(Command.builder(python.toString()).args("-q", "-i"), Stdio.pty()).build();
                Child child = c.spawn()) {
            child.terminal().outputStream().write("print(6*7)\n".getBytes());
            InputStream in = child.terminal().inputStream();
            StringBuilder seen = new StringBuilder();
            // The EOF goes once readline asks again (the prompt after 42): typed before, it may set
            // up the terminal with TCSAFLUSH and discard it, and python would wait for ever.
            while (!seen.toString().contains("42\r\n") || !seen.toString().endsWith(">>> ")) {
                int b = in.read();
                assertThat(b).as("after %s", seen).isNotNegative();
                seen.append((char) b);
            }
            child.terminal().outputStream().write(Terminal.EOF);
            drain(in);
            assertThat(child.waitFor(Duration.ofSeconds(20))).isTrue();
            assertThat(child.waitFor().success()).isTrue();
        }
    }

    @Test
    void tenMebibytesArriveComplete() throws Exception {
        // raw mode: no \n to \r\n, so the count is exact
        try (Command c = onPty(sh("head -c 10485760 /dev/zero | tr '\\0' x"), Stdio.pty().inRawMode()).build()) {
            Output o = c.output();
            assertThat(o.stdout().length).isEqualTo(10 << 20);
            assertThat(o.status().success()).isTrue();
        }
    }

    @Test
    void theLastBytesBeforeExitAreNeverLostAndNoFdLeaks() throws Exception {
        Set<Integer> before = new TreeSet<>(Helper.openFds());
        try (Command c = onPty(Command.builder(Helper.path()).args("out", "last-line"), Stdio.pty()).build()) {
            for (int i = 0; i < 1000; i++) {
                Output o = c.output();
                assertThat(o.stdoutText()).as("run %d", i).isEqualTo("last-line\r\n");
            }
        }
        for (int i = 0; i < 1000; i++) { // the streams too, closed or not
            try (Command c = onPty(Command.builder(Helper.path()).args("out", "x" + i), Stdio.pty()).build();
                    Child child = c.spawn()) {
                if (i % 2 == 0) {
                    assertThat(drain(child.stdout())).isEqualTo("x" + i + "\r\n");
                }
                child.waitFor();
            }
        }
        Set<Integer> after = new TreeSet<>(Helper.openFds());
        after.removeAll(before);
        assertThat(after).isEmpty();
    }

    @Test
    void theTailAfterABulkWriteIsNeverLost() throws Exception {
        // more than the terminal buffers, then a last line and exit at once: the reader lags behind
        try (Command c = onPty(Command.builder(Helper.path()).args("fill", "300000", "120", ";", "out", "END"),
                Stdio.pty().inRawMode()).build()) {
            for (int i = 0; i < 100; i++) {
                Output o = c.output();
                assertThat(o.stdout().length).as("run %d", i).isEqualTo(300_004);
                assertThat(o.stdoutText()).as("run %d", i).endsWith("xEND\n");
            }
        }
    }

    @Test
    void lineCallbacksReadTheTerminal() throws Exception {
        // one terminal for stdout and stderr: its lines come as STDOUT, CR LF ended, the last one at its end
        java.util.List<String> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (Command c = onPty(sh("echo one; echo two >&2; printf three"), Stdio.pty()).build(); Child child = c.spawn()) {
            child.onOutput(LineListener.of((s, l) -> seen.add(s + ":" + l))).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(child.waitFor().success()).isTrue();
        }
        assertThat(seen).containsExactly("STDOUT:one", "STDOUT:two", "STDOUT:three");
    }

    @Test
    void anOutputTimeoutKillsTheSession() throws Exception {
        try (Command c = onPty(sh("sleep 60 & sleep 60; echo never"), Stdio.pty()).build()) {
            Output o = c.output(Capture.defaults().withTimeout(Duration.ofMillis(300)));
            assertThat(o.timedOut()).isTrue();
            assertThat(o.stdoutText()).doesNotContain("never");
        }
    }

    @Test
    void aChildWithoutAPtyHasNoTerminal() throws Exception {
        try (Command c = sh("true").build(); Child child = c.spawn()) {
            assertThatThrownBy(child::terminal).isInstanceOf(IllegalStateException.class).hasMessageContaining("no pty");
            child.waitFor();
        }
        assertThatThrownBy(() -> Command.builder("/bin/true").fd(3, Stdio.pty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a pty");
    }

    @Test
    void bytesTypedAreReadByTheChild() throws Exception {
        try (Command c = onPty(sh("read line; echo got:$line"), Stdio.pty().withEcho(false)).build(); Child child = c.spawn()) {
            child.terminal().outputStream().write("abc\n".getBytes());
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            child.terminal().inputStream().transferTo(all);
            assertThat(all.toString()).isEqualTo("got:abc\r\n");
            assertThat(child.waitFor().success()).isTrue();
        }
    }
}
