package io.pidspawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.testkit.Helper;
import io.pidspawn.uapi.PidfdSpawn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A child in a new mount namespace mounts a tmpfs below a mount point that is shared in this
 * process's namespace (a tmpfs made for the test, {@code mount --make-shared}). Whether the
 * child's mount appears here is what the propagation decides.
 */
@ExtendWith(LeakGuard.class)
class MountPropagationTest {
    private Path shared;
    private Path target;

    @BeforeEach
    void mountASharedTmpfs() throws Exception {
        Helper.assumeRoot("mounting");
        shared = Files.createTempDirectory("pidspawn-shared-");
        run("mount", "-t", "tmpfs", "pidspawn-test", shared.toString());
        run("mount", "--make-shared", shared.toString());
        target = Files.createDirectory(shared.resolve("sub"));
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).contains(" " + shared + " ");
        assertThat(mountedHere(target)).isFalse();
    }

    @AfterEach
    void unmount() throws Exception {
        if (shared == null) {
            return;
        }
        if (mountedHere(target)) {
            run("umount", "-l", target.toString());
        }
        run("umount", "-l", shared.toString());
        Files.delete(shared);
    }

    @Test
    void byDefaultTheChildsMountStaysInItsNamespace() throws Exception {
        childMounts(b -> b);
        assertThat(mountedHere(target)).as("a mount the child made, seen in the parent's namespace").isFalse();
    }

    @Test
    void privateAndSlaveKeepItThereToo() throws Exception {
        childMounts(b -> b.mountPropagation(MountPropagation.PRIVATE));
        assertThat(mountedHere(target)).isFalse();
        childMounts(b -> b.mountPropagation(MountPropagation.SLAVE));
        assertThat(mountedHere(target)).isFalse();
    }

    @Test
    void sharedAndUnchangedLetItPropagateBack() throws Exception {
        childMounts(b -> b.mountPropagation(MountPropagation.SHARED));
        assertThat(mountedHere(target)).isTrue();
        run("umount", "-l", target.toString());
        childMounts(b -> b.mountPropagation(MountPropagation.UNCHANGED));
        assertThat(mountedHere(target)).isTrue();
    }

    @Test
    void propagationNeedsAMountNamespaceAndAKnownValue() throws Exception {
        assertThatThrownBy(() -> Command.builder(Helper.path()).mountPropagation(MountPropagation.SLAVE).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Namespace.MOUNT");
        int b = PidfdSpawn.pidfd_spawn_open(PidfdSpawn.PIDFD_SPAWN_CLOEXEC);
        try {
            assertThatThrownBy(() -> PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING, "mount-propagation", "slave", 0))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                    .hasMessageContaining("new mount namespace");
            PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING, "namespaces", "mount", 0);
            assertThatThrownBy(() -> PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING, "mount-propagation", "rslave", 0))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            PidfdSpawn.pidfd_config(b, PidfdSpawn.PIDFD_CONFIG_SET_STRING, "mount-propagation", "Shared", 0);
            assertThat(PidfdSpawn.pidfd_config_log(b)).hasSize(2);
        } finally {
            PidfdSpawn.close(b);
        }
    }

    private void childMounts(UnaryOperator<Command.Builder> settings) throws Exception {
        try (Command c = settings.apply(Command.builder("mount").args("-t", "tmpfs", "pidspawn-child", target.toString())
                .namespaces(Namespace.MOUNT)).build()) {
            Output o = c.output();
            assertThat(o.status()).as("mount in the child: %s", o.stderrText()).isEqualTo(ExitStatus.exited(0));
        }
    }

    /** Whether this process's namespace has a mount at dir (field 5 of /proc/self/mountinfo). */
    private static boolean mountedHere(Path dir) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.split(" ")[4].equals(dir.toString())) {
                return true;
            }
        }
        return false;
    }

    private static void run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("%s: %s", List.of(argv), out).isZero();
    }
}
