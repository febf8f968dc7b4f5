package io.pidspawn.reliability;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pidspawn.Errno;
import io.pidspawn.testkit.Helper;
import io.pidspawn.LeakGuard;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.spawn.Registry;
import io.pidspawn.uapi.Ptys;
import io.pidspawn.uapi.RunArgs;
import io.pidspawn.uapi.SpawnAction;
import io.pidspawn.uapi.Uapi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test-only switch makes the trampoline fail at each step its header defines, in turn: every
 * failure comes back with that step, the injected errno and the right action index, and leaves
 * no child and no fd behind.
 */
@ExtendWith(LeakGuard.class)
class FaultInjectionTest {
    private static final int INJECTED = Errno.ENOTSUP;

    @AfterEach
    void noMoreFaults() {
        Registry.injectFault(0, 0);
    }

    @ParameterizedTest
    @EnumSource(value = SpawnStep.class, mode = EnumSource.Mode.EXCLUDE, names = {"PREPARE", "STOPPED", "CGROUP_JOIN"})
    void everyStepFailsWithItsStepErrnoAndActionIndex(SpawnStep step) throws Exception {
        if (step == SpawnStep.SETGROUPS) {
            Assumptions.assumeTrue(Helper.ROOT, "needs root: the groups key");
        }
        List<Integer> extraFds = new ArrayList<>();
        int b = Uapi.helper("exit", "0");
        try {
            pidfd_config(b, PIDFD_CONFIG_SET_FLAG, KEY_INHERIT_FDS, (String) null, 0); // no plan close_range
            List<SpawnAction> actions = new ArrayList<>();
            actions.add(SpawnAction.sigdefault(12)); // action #0, so a failing action is #1
            boolean asAction = true;
            switch (step) {
                case CLOSE -> actions.add(SpawnAction.close(0));
                case DUP2 -> actions.add(SpawnAction.dup2(1, 1));
                case OPEN -> actions.add(SpawnAction.open(5, "/dev/null", O_RDONLY, 0));
                case FCHDIR -> {
                    int dir = Libc.openat(Libc.AT_FDCWD, "/", Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
                    extraFds.add(dir);
                    actions.add(SpawnAction.fchdir(dir));
                }
                case CHDIR -> actions.add(SpawnAction.chdir("/"));
                case CLOSE_RANGE -> actions.add(SpawnAction.closeRange(900, 901));
                case SIGMASK -> actions.add(SpawnAction.sigmask(10));
                case TCSETPGRP -> {
                    // the pty as controlling terminal of the child's session, whose group then takes it
                    int master = Libc.openat(Libc.AT_FDCWD, "/dev/ptmx", Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
                    Assumptions.assumeTrue(master >= 0, "no /dev/ptmx");
                    extraFds.add(master);
                    int slave = Ptys.openSlave(master);
                    extraFds.add(slave);
                    pidfd_config(b, PIDFD_CONFIG_SET_FD, "ctty", (String) null, slave);
                    actions.add(new SpawnAction.Tcsetpgrp(slave));
                }
                case SIGDEFAULT -> actions.set(0, SpawnAction.sigmask(12)); // then #1 below
                default -> asAction = false;
            }
            if (step == SpawnStep.SIGDEFAULT) {
                actions.add(SpawnAction.sigdefault(10));
            }
            if (!asAction) {
                configureFor(b, step, extraFds);
            }
            Registry.injectFault(step.code(), INJECTED);
            Set<Integer> children = Helper.children();
            Set<Integer> fds = Helper.openFds();
            SpawnException e = catchThrowableOfType(SpawnException.class,
                    () -> pidfd_spawn_run(b, RunArgs.none().withActions(actions)));
            Registry.injectFault(0, 0);
            assertThat(e).as("a spawn with a fault at %s", step).isNotNull();
            assertThat(e.step()).isEqualTo(step);
            assertThat(e.errno()).isEqualTo(INJECTED);
            assertThat(e.actionIndex()).isEqualTo(asAction ? 1 : -1);
            assertThat(e.getMessage()).contains(": " + Errno.describe(INJECTED));
            assertThat(Helper.children()).isEqualTo(children);
            assertThat(Helper.openFds()).isEqualTo(fds);
            // And without the fault the same builder runs.
            assertThat(Uapi.capture(b, RunArgs.none().withActions(actions)).status().success()).isTrue();
        } finally {
            close(b);
            extraFds.forEach(Libc::close);
        }
    }

    /** Configures the builder key whose op has this step. */
    private static void configureFor(int b, SpawnStep step, List<Integer> extraFds) throws Exception {
        String euid = Helper.effectiveId("Uid");
        String egid = Helper.effectiveId("Gid");
        switch (step) {
            case CLONE, EXEC -> { }
            case USERNS_WAIT -> set(b, "namespaces", "user");
            case SETSID -> flag(b, "setsid");
            case SETPGID -> set(b, "pgid", "0");
            case SETCTTY -> {
                int master = Libc.openat(Libc.AT_FDCWD, "/dev/ptmx", Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
                Assumptions.assumeTrue(master >= 0, "no /dev/ptmx");
                extraFds.add(master);
                int slave = Ptys.openSlave(master);
                extraFds.add(slave);
                pidfd_config(b, PIDFD_CONFIG_SET_FD, "ctty", (String) null, slave);
            }
            case SETRLIMIT -> set(b, "rlimit.CORE", "0");
            case UMASK -> set(b, "umask", "022");
            case SCHED -> set(b, "sched", "other");
            case NICE -> set(b, "nice", "0");
            case SETGROUPS -> set(b, "groups", "0");
            case SETGID -> set(b, "gid", egid);
            case SETUID -> set(b, "uid", euid);
            case RESETIDS -> flag(b, "reset-ids");
            case PDEATHSIG -> set(b, "pdeathsig", "TERM");
            case NO_NEW_PRIVS -> flag(b, "no-new-privs");
            case LANDLOCK -> {
                Assumptions.assumeTrue(io.pidspawn.internal.spawn.Landlock.kernelAbi() >= 6, "needs Landlock scopes (ABI 6)");
                set(b, "landlock.scope", "signal");
            }
            case SECCOMP -> flag(b, "seccomp.deny-network");
            case MOUNT_PROPAGATION -> set(b, "namespaces", "user,mount"); // private by default
            default -> throw new AssertionError("no builder key for step " + step + ": add one to this test");
        }
    }

    private static void set(int b, String key, String value) throws Exception {
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, key, value, 0);
    }

    private static void flag(int b, String key) throws Exception {
        pidfd_config(b, PIDFD_CONFIG_SET_FLAG, key, (String) null, 0);
    }
}
