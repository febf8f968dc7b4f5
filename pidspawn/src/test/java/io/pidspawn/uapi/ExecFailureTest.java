package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.ExitStatus;
import io.pidspawn.testkit.Helper;
import io.pidspawn.LeakGuard;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.linux.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures at run time, in the parent (PREPARE) and in the child (a set-up step or exec itself):
 * each is reported synchronously as a SpawnException naming the step, the action index and the
 * errno, with the exact documented message, and leaves neither a zombie nor a fd behind. Limits
 * (actions, argv size, NULs) are enforced before any child exists: a marker file a first OPEN
 * action would create proves that no child ran.
 */
@ExtendWith(LeakGuard.class)
class ExecFailureTest {
    @TempDir
    Path tmp;

    /**
     * Runs call, which must fail with a SpawnException, and checks that it left no child (the failed
     * one is already reaped) and no fd.
     */
    private static SpawnException spawnFails(ThrowingCallable call) {
        Set<Integer> children = Helper.children();
        Set<Integer> fds = Helper.openFds();
        Throwable t = catchThrowable(call);
        assertThat(t).isInstanceOf(SpawnException.class);
        assertThat(Helper.children()).as("no zombie or stray child").isEqualTo(children);
        assertThat(Helper.openFds()).as("no fd left behind").isEqualTo(fds);
        return (SpawnException) t;
    }

    private Path executableFile(String name, String content) throws Exception {
        Path file = Files.writeString(tmp.resolve(name), content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    private static int builderFor(String executable) throws ErrnoException {
        int b = pidfd_spawn_open(PIDFD_SPAWN_CLOEXEC);
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_EXECUTABLE, executable, 0);
        } catch (ErrnoException e) {
            close(b);
            throw e;
        }
        return b;
    }

    // ---- exec itself ----

    @Test
    void scriptWithAMissingInterpreterFailsAtExecWithEnoent() throws Exception {
        Path script = executableFile("script.sh", "#!/nonexistent/interpreter\necho never\n");
        int b = builderFor(script.toString());
        try {
            SpawnException e = spawnFails(() -> Uapi.capture(b));
            assertThat(e.step()).isEqualTo(SpawnStep.EXEC);
            assertThat(e.errno()).isEqualTo(Errno.ENOENT);
            assertThat(e.actionIndex()).isEqualTo(-1);
            assertThat(e.program()).isEqualTo(script.toString());
            assertThat(e).hasMessage("spawn " + script + ": exec: ENOENT (No such file or directory)");
        } finally {
            close(b);
        }
    }

    @Test
    void nonElfFileWithoutShebangFailsAtExecWithEnoexec() throws Exception {
        Path file = executableFile("hello", "hello");
        int b = builderFor(file.toString());
        try {
            SpawnException e = spawnFails(() -> Uapi.capture(b));
            assertThat(e.step()).isEqualTo(SpawnStep.EXEC);
            assertThat(e.errno()).isEqualTo(Errno.ENOEXEC);
            assertThat(e).hasMessage("spawn " + file + ": exec: ENOEXEC (Exec format error)");
            // A failed run does not spoil the builder: the next run fails the same way (not ESTALE or EBADF).
            SpawnException again = spawnFails(() -> Uapi.capture(b));
            assertThat(again.errno()).isEqualTo(Errno.ENOEXEC);
        } finally {
            close(b);
        }
    }

    // ---- a per-run action in the child ----

    @Test
    void dup2FromAClosedFdAsActionTwoNamesTheActionAndItsIndex() throws Exception {
        int closed = Uapi.closedFdNumber();
        int b = Uapi.helper("out", "never");
        try {
            // Uapi.capture puts two dup2 actions first, so this is action #2.
            SpawnException e = spawnFails(() -> Uapi.capture(b, RunArgs.of(SpawnAction.dup2(closed, 1))));
            assertThat(e).hasMessage("spawn " + Helper.path() + ": dup2 fd " + closed + " -> 1 (action #2): EBADF (Bad file descriptor)");
            assertThat(e.step()).isEqualTo(SpawnStep.DUP2);
            assertThat(e.actionIndex()).isEqualTo(2);
            assertThat(e.errno()).isEqualTo(Errno.EBADF);
            assertThat(e.detail()).isEqualTo("dup2 fd " + closed + " -> 1");
            // The same builder runs fine afterwards.
            assertThat(Uapi.capture(b).out()).isEqualTo("never\n");
        } finally {
            close(b);
        }
    }

    @Test
    void openActionOfAMissingFileFailsAtOpenWithItsIndex() throws Exception {
        Path missing = tmp.resolve("missing");
        int b = Uapi.helper("cat");
        try {
            SpawnException e = spawnFails(() -> Uapi.capture(b, RunArgs.of(
                    SpawnAction.sigmask(10),
                    SpawnAction.open(0, missing.toString(), O_RDONLY, 0))));
            assertThat(e.step()).isEqualTo(SpawnStep.OPEN);
            assertThat(e.errno()).isEqualTo(Errno.ENOENT);
            assertThat(e.actionIndex()).isEqualTo(3);
            assertThat(e).hasMessage("spawn " + Helper.path() + ": open " + missing
                    + " as fd 0 (action #3): ENOENT (No such file or directory)");
        } finally {
            close(b);
        }
    }

    // ---- the builder's own configuration in the child ----

    @Test
    void cwdDeletedAfterConfigFailsAtChdirWithEnoent() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("gone-later"));
        int b = Uapi.helper("cwd");
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_STRING, KEY_CWD, dir.toString(), 0);
            assertThat(Uapi.capture(b).out()).isEqualTo(dir.toRealPath() + "\n");
            Files.delete(dir);
            SpawnException e = spawnFails(() -> Uapi.capture(b));
            assertThat(e.step()).isEqualTo(SpawnStep.CHDIR);
            assertThat(e.errno()).isEqualTo(Errno.ENOENT);
            assertThat(e.actionIndex()).as("not a per-run action").isEqualTo(-1);
            assertThat(e).hasMessage("spawn " + Helper.path() + ": chdir " + dir + ": ENOENT (No such file or directory)");
        } finally {
            close(b);
        }
    }

    // ---- limits, enforced before any child exists ----

    @Test
    void moreThan256ActionsIsE2bigWithNoChildAnd256Work() throws Exception {
        Path marker = tmp.resolve("marker");
        int b = Uapi.helper("status", "SigBlk");
        int[] out = Uapi.pipe();
        try {
            List<SpawnAction> actions = new ArrayList<>();
            actions.add(SpawnAction.open(9, marker.toString(), O_WRONLY | O_CREAT, 0600));
            actions.add(SpawnAction.dup2(out[1], 1));
            actions.addAll(Collections.nCopies(MAX_ACTIONS - 3, SpawnAction.sigmask(12)));
            actions.add(SpawnAction.sigmask(10)); // the 256th: only it decides the mask
            assertThat(actions).hasSize(256);

            List<SpawnAction> tooMany = new ArrayList<>(actions);
            tooMany.add(SpawnAction.sigmask(10));
            SpawnException e = spawnFails(() -> pidfd_spawn_run(b, RunArgs.of().withActions(tooMany)));
            assertThat(e.step()).isEqualTo(SpawnStep.PREPARE);
            assertThat(e.errno()).isEqualTo(Errno.E2BIG);
            assertThat(e.getMessage()).contains("257 actions; at most 256 are allowed");
            assertThat(marker).as("no child ran the first action").doesNotExist();

            Spawned child = pidfd_spawn_run(b, RunArgs.of().withActions(actions));
            Libc.close(out[1]);
            out[1] = -1;
            String mask = Uapi.readAll(out[0]).trim();
            assertThat(Uapi.waitAndClose(child)).isEqualTo(ExitStatus.exited(0));
            assertThat(Long.parseUnsignedLong(mask, 16)).as("the 256th action ran").isEqualTo(1L << 9);
            assertThat(marker).as("the first action ran").exists();
        } finally {
            close(b);
            for (int fd : out) {
                if (fd >= 0) {
                    Libc.close(fd);
                }
            }
        }
    }

    @Test
    void argvElementWithANulIsEinvalBeforeAnyChild() throws Exception {
        Path marker = tmp.resolve("marker");
        int b = Uapi.helper("exit", "0");
        try {
            SpawnException e = spawnFails(() -> pidfd_spawn_run(b, RunArgs.of(markerAction(marker))
                    .withArgv(List.of(Helper.path(), "out", "a\0b"))));
            assertThat(e.step()).isEqualTo(SpawnStep.PREPARE);
            assertThat(e.errno()).isEqualTo(Errno.EINVAL);
            assertThat(e.getMessage()).contains("argv[2] contains a NUL");
            // And in a per-run environment.
            SpawnException env = spawnFails(() -> pidfd_spawn_run(b, RunArgs.of(markerAction(marker))
                    .withEnvp(List.of("A=1", "B=x\0y"))));
            assertThat(env.step()).isEqualTo(SpawnStep.PREPARE);
            assertThat(env.errno()).isEqualTo(Errno.EINVAL);
            assertThat(marker).as("no child ran").doesNotExist();
        } finally {
            close(b);
        }
    }

    @Test
    void argvBeyondWhatExecAcceptsIsE2bigAtPrepareBeforeAnyChild() throws Exception {
        Path marker = tmp.resolve("marker");
        List<String> huge = new ArrayList<>(Helper.argv("exit", "0"));
        String chunk = "x".repeat(100_000);
        for (int i = 0; i < 200; i++) {
            huge.add(chunk); // 20 MB: over the 6 MB an 8 MB stack allows, and over any sane limit
        }
        int b = Uapi.helper("exit", "0");
        try {
            SpawnException e = spawnFails(() -> pidfd_spawn_run(b, RunArgs.of(markerAction(marker)).withArgv(huge)));
            assertThat(e.step()).isEqualTo(SpawnStep.PREPARE);
            assertThat(e.errno()).isEqualTo(Errno.E2BIG);
            assertThat(e.getMessage()).contains("argv and environment exceed what exec accepts");
            assertThat(marker).as("no child ran").doesNotExist();
        } finally {
            close(b);
        }
        // The same through the builder's configuration: each element is valid on its own.
        int c = Uapi.helper("exit", "0");
        try {
            for (int i = 0; i < 200; i++) {
                pidfd_config(c, PIDFD_CONFIG_SET_STRING, KEY_ARGV, chunk, 0);
            }
            SpawnException e = spawnFails(() -> pidfd_spawn_run(c, RunArgs.of(markerAction(marker))));
            assertThat(e.step()).isEqualTo(SpawnStep.PREPARE);
            assertThat(e.errno()).isEqualTo(Errno.E2BIG);
            assertThat(marker).as("no child ran").doesNotExist();
        } finally {
            close(c);
        }
    }

    @Test
    void anArgvJustWithinTheLimitRuns() throws Exception {
        // 1 MB of arguments: beyond the historical 128 KiB ARG_MAX, well within 6 MB.
        List<String> big = new ArrayList<>(Helper.argv("exit", "3"));
        String chunk = "y".repeat(100_000);
        for (int i = 0; i < 10; i++) {
            big.add(chunk);
        }
        int b = Uapi.helper("exit", "0");
        try {
            assertThat(Uapi.capture(b, RunArgs.none().withArgv(big)).status()).isEqualTo(ExitStatus.exited(3));
        } finally {
            close(b);
        }
    }

    private static SpawnAction markerAction(Path marker) {
        return SpawnAction.open(9, marker.toString(), O_WRONLY | O_CREAT, 0600);
    }
}
