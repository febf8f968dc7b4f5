package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A pty child that closes its terminal before it exits (cat at end of file closes 0, 1 and 2,
 * then exits) is not killed by the hangup of its terminal: the primary reads EIO as soon as the
 * replica is closed, and closing the primary then would make the kernel send the session leader
 * SIGHUP in the moment before its exit.
 */
@ExtendWith(LeakGuard.class)
class PtyHangupTest {
    @Test
    void aChildThatClosesItsTerminalThenExitsIsNotHungUp() throws Exception {
        Map<String, Integer> statuses = new TreeMap<>();
        try (Command cat = Command.builder("cat").build()) {
            for (int i = 0; i < 200; i++) {
                Stdio.Pty pty = Stdio.pty();
                try (Child c = cat.spawn(SpawnOverrides.none().withStdin(pty).withStdout(pty).withStderr(pty))) {
                    var output = c.outputAsync(Capture.defaults());
                    c.terminal().outputStream().write(Terminal.EOF);
                    statuses.merge(output.join().status().toString(), 1, Integer::sum);
                }
            }
        }
        assertThat(statuses).containsOnlyKeys(ExitStatus.exited(0).toString());
    }
}
