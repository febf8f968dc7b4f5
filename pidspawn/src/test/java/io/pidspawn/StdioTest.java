package io.pidspawn;

import io.pidspawn.testkit.Helper;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.internal.linux.Libc;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Every Stdio kind, as stdio and as extra fds, and the streams and channels of pipes. */
@ExtendWith(LeakGuard.class)
class StdioTest {
    @TempDir
    Path tmp;

    private static Command.Builder helper(String... args) {
        return Command.builder(Helper.path()).args(args);
    }

    @Test
    void readFromFile() throws Exception {
        Path in = Files.writeString(tmp.resolve("in"), "from a file\n");
        try (Command cat = helper("cat").stdin(Stdio.readFrom(in)).build()) {
            assertThat(cat.output().stdoutText()).isEqualTo("from a file\n");
        }
    }

    @Test
    void writeToTruncatesAtEverySpawnAndAppendToAppends() throws Exception {
        Path out = Files.writeString(tmp.resolve("out"), "old content that is longer\n");
        try (Command w = helper("out", "hello").stdout(Stdio.writeTo(out)).build();
                Command a = helper("out", "more").stdout(Stdio.appendTo(out)).build()) {
            assertThat(w.output().stdout()).isEmpty(); // stdout went to the file, as the command says
            w.output();
            assertThat(Files.readString(out)).isEqualTo("hello\n");
            a.output();
            a.output();
            assertThat(Files.readString(out)).isEqualTo("hello\nmore\nmore\n");
        }
    }

    @Test
    void discard() throws Exception {
        try (Command c = helper("cat", ";", "err", "gone").stdin(Stdio.discard()).stderr(Stdio.discard()).build()) {
            Output o = c.output();
            assertThat(o.status().success()).isTrue();
            assertThat(o.stdout()).isEmpty();
            assertThat(o.stderr()).isEmpty();
        }
    }

    @Test
    void mergeStderrIntoStdout() throws Exception {
        try (Command c = Command.builder("/bin/sh").args("-c", "echo one; echo two >&2; echo three")
                .stderr(Stdio.mergeWithStdout()).build()) {
            Output o = c.output();
            assertThat(o.stdoutText()).isEqualTo("one\ntwo\nthree\n");
            assertThat(o.stderr()).isEmpty();
        }
    }

    @Test
    void stdoutToAFdOfOurs() throws Exception {
        int[] p = Libc.pipe2(Libc.O_CLOEXEC);
        try (Command c = helper("out", "through my pipe").stdout(Stdio.fd(p[1])).build()) {
            Libc.close(p[1]); // the command holds its own copy
            p[1] = -1;
            c.spawn().waitFor();
            c.close(); // the last copy of the write end: now the pipe ends
            assertThat(readAll(p[0])).isEqualTo("through my pipe\n");
        } finally {
            Libc.close(p[0]);
            if (p[1] >= 0) {
                Libc.close(p[1]);
            }
        }
    }

    @Test
    void extraFdsFromFilesAndFds() throws Exception {
        Path in = Files.writeString(tmp.resolve("in"), "fd five\n");
        int seven = Libc.openat(Libc.AT_FDCWD, in.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        Path out = tmp.resolve("out");
        try (Command c = helper("read-fd", "5", ";", "read-fd", "7", ";", "fds")
                .fd(5, Stdio.readFrom(in)).fd(7, seven).fd(9, Stdio.writeTo(out)).fd(11, Stdio.discard()).build()) {
            Libc.close(seven);
            assertThat(c.output().stdoutText()).isEqualTo("fd five\nfd five\n0 1 2 5 7 9 11\n");
            assertThat(out).exists();
        }
    }

    @Test
    void perSpawnStdioOverridesTheCommand() throws Exception {
        Path file = tmp.resolve("per-spawn");
        try (Command c = helper("out", "x").stdout(Stdio.discard()).build()) {
            c.spawn(SpawnOverrides.none().withStdout(Stdio.writeTo(file))).waitFor();
            assertThat(Files.readString(file)).isEqualTo("x\n");
        }
    }

    @Test
    void fileThatCannotBeOpenedFailsTheSpawnAndClosesItsPipes() throws Exception {
        Path nowhere = tmp.resolve("no/such/dir/out");
        try (Command c = helper("cat").stdin(Stdio.pipe()).stdout(Stdio.writeTo(nowhere)).stderr(Stdio.pipe()).build()) {
            assertThatThrownBy(c::spawn)
                    .isInstanceOfSatisfying(SpawnException.class, e -> {
                        assertThat(e.step()).isEqualTo(SpawnStep.OPEN);
                        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                        assertThat(e.actionIndex()).isEqualTo(1);
                    })
                    .hasMessageContaining("open " + nowhere + " as fd 1");
        }
    }

    @Test
    void pipeStreamsBothWays() throws Exception {
        byte[] data = new byte[1 << 20];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i % 253);
        }
        try (Command cat = helper("cat").stdin(Stdio.pipe()).stdout(Stdio.pipe()).build();
                Child child = cat.spawn()) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try (OutputStream in = child.stdin()) {
                    in.write(data); // more than a pipe holds: the reader must run meanwhile
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            byte[] back;
            try (InputStream out = child.stdout()) {
                back = out.readAllBytes();
            }
            writer.join();
            assertThat(back).isEqualTo(data);
            assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(0));
        }
    }

    @Test
    void pipeChannels() throws Exception {
        try (Command cat = helper("cat").stdin(Stdio.pipe()).stdout(Stdio.pipe()).build();
                Child child = cat.spawn()) {
            child.stdinChannel().write(ByteBuffer.wrap("via channels\n".getBytes(StandardCharsets.UTF_8)));
            child.stdinChannel().close();
            ByteBuffer direct = ByteBuffer.allocateDirect(64);
            while (child.stdoutChannel().read(direct) >= 0) {
                // until end of file
            }
            direct.flip();
            assertThat(StandardCharsets.UTF_8.decode(direct).toString()).isEqualTo("via channels\n");
            child.waitFor();
        }
    }

    @Test
    void streamOfANonPipeExplainsWhy() throws Exception {
        try (Command c = helper("exit", "0").build(); Child child = c.spawn()) {
            assertThatThrownBy(child::stdout).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("stdout of pid " + child.pid() + " is not a pipe");
            child.waitFor();
        }
    }

    private static String readAll(int fd) throws Exception {
        try (InputStream in = Channels.newInputStream(Channels.newChannel(new java.io.FileInputStream("/proc/self/fd/" + fd)))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
