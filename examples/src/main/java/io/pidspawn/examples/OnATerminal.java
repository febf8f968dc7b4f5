package io.pidspawn.examples;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.ExitStatus;
import io.pidspawn.Stdio;
import io.pidspawn.Terminal;
import java.nio.charset.StandardCharsets;

/**
 * A program on a pseudo-terminal: it reads what is typed, sees a terminal of the size asked for
 * and, after a resize, the new size; its output is read to the end once it has exited.
 */
public final class OnATerminal {
    public static void main(String[] args) throws Exception {
        // [readme:pty]
        try (Command sh = Command.builder("sh").args("-c", "[ -t 0 ] && read name; echo \"hello $name\"; stty size")
                .stdin(Stdio.pty(120, 40).withEcho(false)).stdout(Stdio.pty()).stderr(Stdio.pty()).build();
             Child child = sh.spawn()) {
            Terminal tty = child.terminal();                    // this side of the child's /dev/pts/N
            tty.resize(100, 30);                                // TIOCSWINSZ: SIGWINCH to its foreground group
            tty.outputStream().write("world\n".getBytes());     // read by the child as if typed
            String screen = new String(tty.inputStream().readAllBytes(), StandardCharsets.UTF_8);
            ExitStatus status = child.waitFor();                // screen: "hello world\r\n30 100\r\n"
            Check.that(status.success(), "sh on a terminal ended with " + status);
            Check.that(screen.equals("hello world\r\n30 100\r\n"), "what the terminal showed: \"" + screen + "\"");
        }
        // [/readme:pty]
        System.out.println("on-a-terminal: ok (typed input, the new size after a resize, CR LF as the terminal made them)");
    }
}
