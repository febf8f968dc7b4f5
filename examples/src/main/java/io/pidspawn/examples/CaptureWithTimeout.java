package io.pidspawn.examples;

import io.pidspawn.Capture;
import io.pidspawn.Command;
import io.pidspawn.Output;
import java.io.IOException;
import java.time.Duration;

/**
 * Command.output: the library's package example, then with input and a timeout: a filter that
 * answers in time, and a program that outlives its timeout and is killed with what it wrote so
 * far kept.
 */
public final class CaptureWithTimeout {
    public static void main(String[] args) throws Exception {
        // [readme:package]
        try (Command ls = Command.builder("ls").args("-1").build()) {
            Output out = ls.output(Capture.defaults().withTimeout(Duration.ofSeconds(5)));
            if (!out.success()) {
                throw new IOException("ls: " + out.status() + ": " + out.stderrText());
            }
            System.out.print(out.stdoutText());
        }
        // [/readme:package]

        try (Command tr = Command.builder("tr").args("a-z", "A-Z").build()) {
            Output out = tr.output(Capture.defaults().withInput("hello\n").withTimeout(Duration.ofSeconds(30)));
            Check.that(out.success(), "tr should succeed: " + out.status());
            Check.that(out.stdoutText().equals("HELLO\n"), "tr's output: \"" + out.stdoutText() + "\"");
        }

        try (Command slow = Command.builder("sh").args("-c", "echo started; exec sleep 60").build()) {
            long start = System.nanoTime();
            Output out = slow.output(Capture.defaults().withTimeout(Duration.ofMillis(300)));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            Check.that(out.timedOut(), "the sleep should time out: " + out.status());
            Check.that(!out.status().exited(), "the timeout should kill it: " + out.status());
            Check.that(out.stdoutText().equals("started\n"), "output before the timeout: \"" + out.stdoutText() + "\"");
            Check.that(took.compareTo(Duration.ofSeconds(30)) < 0, "the timeout took " + took);
            System.out.println("capture-with-timeout: ok (" + out.status() + " after " + took.toMillis() + " ms, "
                    + "killed " + out.killedBy() + ")");
        }
    }
}
