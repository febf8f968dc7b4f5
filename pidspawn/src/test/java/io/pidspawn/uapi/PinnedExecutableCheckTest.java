package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.LeakGuard;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.testkit.Helper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run-time check of a pinned executable, one statx per run: a file changed in place, whether
 * configured by path or by fd, makes the run fail with ESTALE before any child exists, and an
 * unchanged one runs every time (a file renamed over a configured path: SpawnTemplateSelftestTest
 * and ReplacedExecutableTest). And a builder fd number reused behind the library's back is still
 * refused.
 */
@ExtendWith(LeakGuard.class)
class PinnedExecutableCheckTest {
    @TempDir
    Path tmp;

    private Path install() throws Exception {
        return install(tmp);
    }

    private static Path install(Path dir) throws Exception {
        return Files.copy(Path.of(Helper.path()), dir.resolve("tool"), StandardCopyOption.COPY_ATTRIBUTES);
    }

    private static void argv(int b) throws ErrnoException {
        pidfd_config(b, PIDFD_CONFIG_SET_BINARY, KEY_ARGV, Uapi.nulList(List.of("tool", "exit", "0")), 0);
    }

    /** A file changed in place. */
    private interface Change {
        void apply(Path tool) throws Exception;
    }

    private void pinnedByPathThenStale(Change change) throws Exception {
        pinnedByPathThenStale(install(), change);
    }

    private static void pinnedByPathThenStale(Path tool, Change change) throws Exception {
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, tool.toString(), 0);
            argv(b);
            assertThat(Uapi.capture(b).status().success()).isTrue();
            assertThat(Uapi.capture(b).status().success()).isTrue(); // unchanged: every run passes
            change.apply(tool);
            SpawnTemplateSelftestTest.assertStale(b);
        } finally {
            close(b);
        }
    }

    @Test
    void aFileChangedInPlaceAtItsPathIsStale() throws Exception {
        pinnedByPathThenStale(tool -> Files.write(tool, new byte[] {0}, StandardOpenOption.APPEND)); // same inode, new size
    }

    @Test
    void aFileRenamedOverALongPathIsStale() throws Exception {
        // longer than the per-thread scratch the check encodes a usual path in
        Path dir = Files.createDirectories(tmp.resolve("d".repeat(200)).resolve("e".repeat(200)));
        Path other = install(tmp);
        pinnedByPathThenStale(install(dir), tool -> Files.move(other, tool, StandardCopyOption.REPLACE_EXISTING));
    }

    @Test
    void aFileWhoseMtimeAloneChangedIsStale() throws Exception {
        pinnedByPathThenStale(tool -> Files.setLastModifiedTime(tool,
                FileTime.fromMillis(Files.getLastModifiedTime(tool).toMillis() - 60_000)));
    }

    @Test
    void aFilePinnedByFdIsCheckedThroughTheFd() throws Exception {
        Path tool = install();
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        int opath = Libc.openat(Libc.AT_FDCWD, tool.toString(), Libc.O_PATH | Libc.O_CLOEXEC, 0);
        assertThat(opath).isGreaterThanOrEqualTo(0);
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_FD, KEY_EXECUTABLE, (String) null, opath);
            argv(b);
            assertThat(Uapi.capture(b).status().success()).isTrue();
            assertThat(Uapi.capture(b).status().success()).isTrue();
            Files.write(tool, new byte[] {0}, StandardOpenOption.APPEND); // the pinned inode itself changed
            SpawnTemplateSelftestTest.assertStale(b);
        } finally {
            Libc.close(opath);
            close(b);
        }
    }

    @Test
    void aBuilderNumberReusedBehindTheLibrarysBackIsRefused() throws Exception {
        Path tool = install();
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        int devnull = Libc.openat(Libc.AT_FDCWD, "/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, tool.toString(), 0);
            argv(b);
            assertThat(Uapi.capture(b).status().success()).isTrue();
            assertThat(Libc.dup3(devnull, b, Libc.O_CLOEXEC)).isEqualTo(b); // the number now holds /dev/null
            var before = Helper.children();
            assertThatThrownBy(() -> pidfd_spawn_run(b, RunArgs.none()))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF))
                    .hasMessageContaining("not a pidfd_spawn builder");
            assertThat(Helper.children()).isEqualTo(before);
        } finally {
            Libc.close(devnull);
            Libc.close(b); // /dev/null's copy; the registry forgot the builder when it saw the number reused
        }
    }
}
