package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pidspawn.testkit.Helper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code run --memory-max}, {@code --pids-max} and {@code --cpu-max} put the program in a cgroup of
 * its own with those limits, report what it used in {@code --json}, and remove the cgroup after.
 */
class RunLimitsTest {
    private static void assumeCgroupsWritable() {
        Helper.assumeRoot("creating the program's own cgroup");
        assumeTrue(Files.isDirectory(Path.of("/sys/fs/cgroup")), "needs a cgroup hierarchy to create the program's own cgroup");
    }

    @Test
    void aMemoryHogIsOomKilledAndSaysSo() throws Exception {
        assumeCgroupsWritable();
        Cli.Result r = Cli.run("run", "--memory-max", "64M", "--json", "--", Helper.path(), "alloc", "512");
        assertThat(r.exit()).as(r.err()).isEqualTo(137);
        assertThat(r.err()).contains("\"oom_killed\": true").contains("\"memory_peak_bytes\": ");
    }

    @Test
    void aSmallProgramRunsUnderTheLimitsAndItsUsageIsReported() throws Exception {
        assumeCgroupsWritable();
        Cli.Result r = Cli.run("run", "--memory-max", "256M", "--pids-max", "20", "--cpu-max", "0.5", "--json",
                "--", "/bin/sh", "-c", "cat /proc/self/cgroup");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("pidspawn-");
        assertThat(r.err()).contains("\"oom_killed\": false").contains("\"cpu_user_ms\": ").contains("\"cpu_sys_ms\": ");
        // The cgroup is removed once the program is reaped.
        String own = r.out().lines().filter(l -> l.contains("pidspawn-")).findFirst().orElseThrow();
        String rel = own.substring(own.indexOf(":/") + 1);
        String hierarchy = own.split(":")[1];
        Path dir = hierarchy.isEmpty() ? Path.of("/sys/fs/cgroup/unified" + rel) : Path.of("/sys/fs/cgroup", hierarchy.split(",")[0] + rel);
        Path alt = Path.of("/sys/fs/cgroup" + rel);
        assertThat(Files.exists(dir) || Files.exists(alt)).as("%s removed", rel).isFalse();
    }

    @Test
    void aBadLimitIsAUsageErrorNamingTheOption() throws Exception {
        Cli.Result r = Cli.run("run", "--memory-max", "lots", "--", "true");
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.err()).contains("--memory-max lots");
    }
}
