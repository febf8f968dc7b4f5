package io.pidspawn.internal.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.testkit.Helper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The seccomp name table against the kernel headers installed here, and the compiled programs
 * against the same checks a caller's program must pass.
 */
class SeccompFilterTest {
    private static final Path X86_64 = Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
    private static final Path GENERIC = Path.of("/usr/include/asm-generic/unistd.h");

    @Test
    void everyNumberMatchesTheHeaders() throws IOException {
        Assumptions.assumeTrue(Files.exists(X86_64) && Files.exists(GENERIC), "needs the kernel headers (linux-libc-dev)");
        Map<String, Integer> x86 = Helper.syscallNumbers(X86_64);
        Map<String, Integer> generic = Helper.syscallNumbers(GENERIC);
        int checked = 0;
        for (var e : SeccompFilter.SYSCALLS.entrySet()) {
            String name = e.getKey();
            int[] n = e.getValue();
            if (x86.containsKey(name) || n[0] >= 0) {
                if (x86.containsKey(name)) {
                    assertThat(n[0]).as("%s on x86_64", name).isEqualTo(x86.get(name));
                    checked++;
                }
            }
            if (generic.containsKey(name)) {
                assertThat(n[1]).as("%s on aarch64", name).isEqualTo(generic.get(name));
                checked++;
            } else {
                // Only calls newer than these headers may be missing from them (fchmodat2, 6.6).
                assertThat(n[1] < 0 || n[1] >= 450).as("%s on aarch64 is not in %s", name, GENERIC).isTrue();
            }
        }
        assertThat(checked).isGreaterThan(200);
    }

    @Test
    void compiledProgramsPassTheirOwnChecks() throws Exception {
        for (SeccompFilter.Arch arch : SeccompFilter.Arch.values()) {
            byte[] p = SeccompFilter.compile(arch, List.of(101, 165), true);
            SeccompFilter.validate("test", p);
            assertThat(p.length / 8).isLessThan(64);
        }
    }

    @Test
    void namesAreCheckedPerArchitecture() throws Exception {
        assertThat(SeccompFilter.checkName("k", "ptrace", SeccompFilter.Arch.X86_64)).isEqualTo(101);
        assertThat(SeccompFilter.checkName("k", "ptrace", SeccompFilter.Arch.AARCH64)).isEqualTo(117);
        assertThatThrownBy(() -> SeccompFilter.checkName("k", "fork", SeccompFilter.Arch.AARCH64))
                .hasMessageContaining("\"fork\" does not exist on aarch64");
        assertThatThrownBy(() -> SeccompFilter.checkName("k", "nosuchcall", SeccompFilter.Arch.X86_64))
                .hasMessageContaining("unknown syscall \"nosuchcall\"");
        assertThatThrownBy(() -> SeccompFilter.checkName("k", "execveat", SeccompFilter.Arch.X86_64))
                .hasMessageContaining("cannot be denied");
    }
}
