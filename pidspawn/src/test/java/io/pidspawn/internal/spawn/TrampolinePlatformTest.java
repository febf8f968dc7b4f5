package io.pidspawn.internal.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pidspawn.Errno;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The jar carries a trampoline for each supported platform, each an ELF shared object for its
 * machine (the aarch64 one is cross-compiled and cannot be loaded here), and any other platform
 * gets an error that names the supported ones.
 */
class TrampolinePlatformTest {
    /** e_machine of each os.arch: EM_X86_64 and EM_AARCH64 (elf.h). */
    private static final Map<String, Integer> MACHINE = Map.of("amd64", 62, "aarch64", 183);

    @Test
    void everySupportedPlatformHasAnElfSharedObjectForItsMachine() throws IOException {
        assertThat(Trampoline.PLATFORMS.keySet()).isEqualTo(MACHINE.keySet());
        for (String arch : Trampoline.PLATFORMS.keySet()) {
            String resource = Trampoline.resource("Linux", arch);
            assertThat(resource).isEqualTo("/io/pidspawn/internal/native/linux-" + arch + "/libpidspawn.so");
            byte[] header;
            try (InputStream in = Trampoline.class.getResourceAsStream(resource)) {
                assertThat(in).as("%s in the jar", resource).isNotNull();
                header = in.readNBytes(64);
            }
            ByteBuffer elf = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(elf.getInt(0)).as("%s: ELF magic", resource).isEqualTo(0x464c457f);
            assertThat(header[4]).as("%s: ELFCLASS64", resource).isEqualTo((byte) 2);
            assertThat(header[5]).as("%s: little-endian", resource).isEqualTo((byte) 1);
            assertThat(elf.getShort(16)).as("%s: ET_DYN", resource).isEqualTo((short) 3);
            assertThat((int) elf.getShort(18)).as("%s: e_machine", resource).isEqualTo(MACHINE.get(arch));
        }
    }

    @Test
    void itIsMappedFromAMemfdWithoutAFileOnDisk() throws IOException {
        assertThat(Trampoline.handle()).isNotNull();
        // The fallback, a file in a temporary directory, costs the JDK's SecureRandom (tens of ms at start) and a disk.
        List<String> mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains("libpidspawn.so")).toList();
        assertThat(mapped).isNotEmpty().allMatch(l -> l.contains("/memfd:libpidspawn.so"), "mapped from the memfd");
    }

    @Test
    void itsOneEntryPointAnswersThroughTheSyscallShape() {
        assertThat(Trampoline.call(Trampoline.CALL_ABI, PlanAbi.Q_VERSION, 0)).as("ps_abi's version").isEqualTo(PlanAbi.VERSION);
        assertThat(Trampoline.call(Trampoline.CALL_ABI, PlanAbi.Q_SIZEOF_REQUEST, 0)).isEqualTo(PlanAbi.REQUEST.byteSize());
        assertThat(Trampoline.call(99, 0, 0)).as("an unknown function").isEqualTo(-Errno.EINVAL);
        assertThat(Trampoline.call(Trampoline.CALL_RELAY_TARGET, -1, 0)).as("no target: nothing to drop").isZero();
    }

    @Test
    void theLoadedOneIsThisMachines() {
        assertThat(Trampoline.RESOURCE).contains("linux-" + System.getProperty("os.arch") + "/");
    }

    @Test
    void anotherArchitectureIsRefusedNamingTheSupportedOnes() {
        assertThatThrownBy(() -> Trampoline.resource("Linux", "riscv64"))
                .isInstanceOf(UnsatisfiedLinkError.class)
                .hasMessage("pidspawn: no trampoline for Linux riscv64; pidspawn runs on Linux on x86_64 (os.arch amd64)"
                        + " and aarch64, the platforms its jar carries a trampoline for");
    }

    @Test
    void anotherSystemIsRefusedToo() {
        assertThatThrownBy(() -> Trampoline.resource("Mac OS X", "aarch64"))
                .isInstanceOf(UnsatisfiedLinkError.class)
                .hasMessageContaining("no trampoline for Mac OS X aarch64")
                .hasMessageContaining("Linux on x86_64 (os.arch amd64) and aarch64");
    }
}
