package io.pidspawn.uapi;

import static io.pidspawn.uapi.PidfdSpawn.*;
import static io.pidspawn.uapi.Uapi.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pidspawn.Command;
import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.LeakGuard;
import io.pidspawn.Sandbox;
import io.pidspawn.SpawnException;
import io.pidspawn.SpawnStep;
import io.pidspawn.internal.spawn.Landlock;
import io.pidspawn.internal.spawn.Registry;
import io.pidspawn.testkit.Helper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox keys at config time: each bad rule is refused at its call with a clear errno and a
 * log line naming the key and what was wrong, leaks nothing, and leaves the builder usable; a
 * rule the kernel cannot enforce (an older ABI, simulated) is refused in strict mode and
 * dropped, with a warning, in best-effort mode.
 */
@ExtendWith(LeakGuard.class)
class SandboxConfigTest {
    @TempDir
    Path tmp;

    private int b;
    private Set<Integer> fdsBefore;

    @BeforeEach
    void open() throws ErrnoException {
        Assumptions.assumeTrue(Landlock.kernelAbi() >= 6, "needs Landlock ABI 6");
        fdsBefore = Helper.openFds();
        b = Uapi.helper("fs", "create", tmp.resolve("x").toString());
    }

    @AfterEach
    void close() throws ErrnoException {
        System.clearProperty("pidspawn.landlock.abi");
        Registry.injectFault(0, 0);
        if (b > 0) {
            PidfdSpawn.close(b);
            assertThat(Helper.openFds()).as("fds after closing the builder").isEqualTo(fdsBefore);
        }
    }

    private void set(String key, String value) throws ErrnoException {
        pidfd_config(b, PIDFD_CONFIG_SET_STRING, key, value, 0);
    }

    private void flag(String key) throws ErrnoException {
        pidfd_config(b, PIDFD_CONFIG_SET_FLAG, key, (String) null, 0);
    }

    /** The builder still runs after a refusal, and only its own fds changed. */
    private void stillUsable() throws ErrnoException {
        assertThat(Uapi.capture(b).status().success()).isTrue();
    }

    private String lastLog() throws ErrnoException {
        return pidfd_config_log(b).getLast();
    }

    @Test
    void aMissingPathIsRefusedWithEnoentNamingKeyAndPath() throws Exception {
        Set<Integer> fds = Helper.openFds();
        ErrnoException e = assertErrno(Errno.ENOENT, () -> set("landlock.ro", tmp.resolve("missing").toString()));
        assertThat(e.getMessage()).contains("landlock.ro").contains(tmp.resolve("missing").toString());
        assertThat(lastLog()).startsWith("e landlock.ro: ").contains(tmp.resolve("missing").toString()).endsWith("(ENOENT)");
        assertThat(Helper.openFds()).isEqualTo(fds);
        stillUsable();
    }

    @Test
    void aRelativePathIsRefusedWithEinval() throws Exception {
        Set<Integer> fds = Helper.openFds();
        assertErrno(Errno.EINVAL, () -> set("landlock.rw", "work/tree"));
        assertThat(lastLog()).startsWith("e landlock.rw: ").contains("\"work/tree\"").endsWith("(EINVAL)");
        assertThat(Helper.openFds()).isEqualTo(fds);
        stillUsable();
    }

    @Test
    void anExecPathIsCheckedLikeEveryPathRule() throws Exception {
        Set<Integer> fds = Helper.openFds();
        assertErrno(Errno.EINVAL, () -> set("landlock.exec", "usr/bin"));
        assertThat(lastLog()).startsWith("e landlock.exec: ").contains("\"usr/bin\"").endsWith("(EINVAL)");
        assertErrno(Errno.ENOENT, () -> set("landlock.exec", tmp.resolve("missing").toString()));
        assertThat(lastLog()).startsWith("e landlock.exec: ").contains(tmp.resolve("missing").toString());
        assertThat(Helper.openFds()).isEqualTo(fds);
        stillUsable();
    }

    @Test
    void anUnknownSyscallNameIsRefusedNamingIt() throws Exception {
        ErrnoException e = assertErrno(Errno.EINVAL, () -> set("seccomp.deny", "ptrace,frobnicate"));
        assertThat(e.getMessage()).contains("unknown syscall \"frobnicate\"");
        assertThat(lastLog()).startsWith("e seccomp.deny: ");
        assertErrno(Errno.EINVAL, () -> set("seccomp.deny", "exit_group"));
        // Nothing of the refused list was kept: ptrace still works (the helper runs at all).
        stillUsable();
    }

    @Test
    void strictModeRefusesWhatAnOlderAbiCannotEnforce() throws Exception {
        System.setProperty("pidspawn.landlock.abi", "3");
        ErrnoException e = assertErrno(Errno.ENOTSUP, () -> set("landlock.net.connect", "443"));
        assertThat(e.getMessage()).contains("LANDLOCK_ACCESS_NET_CONNECT_TCP needs Landlock ABI 4").contains("ABI 3");
        assertThat(lastLog()).startsWith("e landlock.net.connect: ").endsWith("(EOPNOTSUPP)");
        e = assertErrno(Errno.ENOTSUP, () -> set("landlock.scope", "signal"));
        assertThat(e.getMessage()).contains("LANDLOCK_SCOPE_SIGNAL needs Landlock ABI 6");
        System.setProperty("pidspawn.landlock.abi", "2");
        e = assertErrno(Errno.ENOTSUP, () -> set("landlock.ro", "/"));
        assertThat(e.getMessage()).contains("LANDLOCK_ACCESS_FS_TRUNCATE needs Landlock ABI 3");
        stillUsable();
    }

    @Test
    void bestEffortDropsAndLogsWhatAnOlderAbiCannotEnforce() throws Exception {
        System.setProperty("pidspawn.landlock.abi", "2");
        flag("sandbox.best-effort");
        set("landlock.net.connect", "443");
        assertThat(lastLog()).startsWith("w landlock.net.connect: LANDLOCK_ACCESS_NET_CONNECT_TCP needs Landlock ABI 4")
                .contains("dropped");
        set("landlock.ro", "/");
        assertThat(lastLog()).startsWith("w landlock.ro: LANDLOCK_ACCESS_FS_TRUNCATE needs Landlock ABI 3");
        set("landlock.rw", tmp.toString());
        // What ABI 2 can enforce, it does: a write outside the rw path still fails.
        int other = Uapi.helper("fs", "create", Files.createDirectory(tmp.resolve("sub")).resolve("f").toString());
        try {
            pidfd_config(other, PIDFD_CONFIG_SET_FLAG, "sandbox.best-effort", (String) null, 0);
            pidfd_config(other, PIDFD_CONFIG_SET_STRING, "landlock.ro", "/", 0);
            assertThat(Uapi.capture(other).out().strip()).isEqualTo("EACCES");
        } finally {
            PidfdSpawn.close(other);
        }
        stillUsable();
    }

    @Test
    void malformedBpfProgramsAreRefusedClearly() throws Exception {
        assertBpfRefused(new byte[7], "whole 8-byte instructions");
        assertBpfRefused(program(insn(0x06, 0, 0, 0x7fff0000), insn(0xffff, 0, 0, 0)), "not an instruction seccomp accepts");
        assertBpfRefused(program(insn(0x20, 0, 0, 64), insn(0x06, 0, 0, 0x7fff0000)), "loads offset 64");
        assertBpfRefused(program(insn(0x15, 5, 0, 1), insn(0x06, 0, 0, 0x7fff0000)), "jumps past the end");
        assertBpfRefused(program(insn(0x20, 0, 0, 0)), "is not a return");
        assertBpfRefused(new byte[8 * 4097], "at most 4096");
        stillUsable();
    }

    private void assertBpfRefused(byte[] program, String why) throws Exception {
        Set<Integer> fds = Helper.openFds();
        ErrnoException e = assertErrno(Errno.EINVAL, () -> pidfd_config(b, PIDFD_CONFIG_SET_BINARY, "seccomp.bpf", program, 0));
        assertThat(e.getMessage()).contains(why);
        assertThat(lastLog()).startsWith("e seccomp.bpf: ");
        assertThat(Helper.openFds()).isEqualTo(fds);
    }

    @Test
    void aRawBpfProgramIsInstalled() throws Exception {
        // The C library's mkdir() calls mkdir (83) on x86_64; aarch64 has only mkdirat (34).
        int mkdir = "aarch64".equals(System.getProperty("os.arch")) ? 34 : 83;
        int arch = "aarch64".equals(System.getProperty("os.arch")) ? 0xC00000B7 : 0xC000003E;
        byte[] denyMkdir = program(
                insn(0x20, 0, 0, 4), insn(0x15, 1, 0, arch), insn(0x06, 0, 0, 0x80000000),
                insn(0x20, 0, 0, 0), insn(0x15, 0, 1, mkdir), insn(0x06, 0, 0, 0x00050000 | Errno.EPERM),
                insn(0x06, 0, 0, 0x7fff0000));
        int mk = Uapi.helper("fs", "mkdir", tmp.resolve("d").toString());
        try {
            pidfd_config(mk, PIDFD_CONFIG_SET_BINARY, "seccomp.bpf", denyMkdir, 0);
            assertThat(Uapi.capture(mk).out().strip()).isEqualTo("EPERM");
        } finally {
            PidfdSpawn.close(mk);
        }
        assertThat(Files.exists(tmp.resolve("d"))).isFalse();
    }

    @Test
    void aFailedSandboxStepIsReportedByName() throws Exception {
        set("landlock.scope", "signal");
        Registry.injectFault(SpawnStep.LANDLOCK.code(), Errno.E2BIG);
        SpawnException e = catchThrowableOfType(SpawnException.class, () -> pidfd_spawn_run(b, RunArgs.none()));
        Registry.injectFault(0, 0);
        assertThat(e.step()).isEqualTo(SpawnStep.LANDLOCK);
        assertThat(e.getMessage()).contains(": landlock_restrict_self").contains("E2BIG");
        flag("seccomp.deny-network");
        Registry.injectFault(SpawnStep.SECCOMP.code(), Errno.EINVAL);
        e = catchThrowableOfType(SpawnException.class, () -> pidfd_spawn_run(b, RunArgs.none()));
        Registry.injectFault(0, 0);
        assertThat(e.getMessage()).contains(": seccomp filter (network denied").contains("EINVAL");
        stillUsable();
    }

    @Test
    void theRulesetSurvivesRunActionsOnItsFdNumber() throws Exception {
        // A run's close_range 3..max and a dup2 onto every low number must not take the ruleset away.
        set("landlock.ro", "/");
        RunArgs args = RunArgs.of(SpawnAction.closeRange(3, -1));
        assertThat(Uapi.capture(b, args).out().strip()).isEqualTo("EACCES");
        for (int n = 3; n < 40; n++) {
            args = RunArgs.of(SpawnAction.dup2(0, n), SpawnAction.close(n));
            assertThat(Uapi.capture(b, args).out().strip()).as("dup2 0 -> %d, close %d", n, n).isEqualTo("EACCES");
        }
    }

    @Test
    void aBadSandboxFailsCommandBuildAndTheBuilderCanBuildAgain() throws Exception {
        Set<Integer> fds = Helper.openFds();
        Command.Builder cb = Command.builder(Helper.path()).args("exit", "0")
                .sandbox(Sandbox.builder().readOnly(Path.of("relative/dir")).build());
        ErrnoException e = catchThrowableOfType(ErrnoException.class, cb::build);
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("landlock.ro").contains("relative/dir");
        assertThat(Helper.openFds()).isEqualTo(fds);
        try (Command c = cb.sandbox(Sandbox.builder().readOnly(Path.of("/")).build()).build()) {
            assertThat(c.output().status().success()).isTrue();
        }
    }

    static byte[] program(long[]... insns) {
        ByteBuffer out = ByteBuffer.allocate(insns.length * 8).order(ByteOrder.nativeOrder());
        for (long[] i : insns) {
            out.putShort((short) i[0]).put((byte) i[1]).put((byte) i[2]).putInt((int) i[3]);
        }
        return out.array();
    }

    static long[] insn(int code, int jt, int jf, long k) {
        return new long[] {code, jt, jf, k};
    }
}
