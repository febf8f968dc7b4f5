package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pidspawn bench --quick spawn-true --json FILE}: the JSON is one valid object with the
 * machine facts, every contender's figures and the ratios. What the figures are is never
 * checked: they depend on the machine.
 */
@Tag("slow")
class BenchCommandTest {
    private static final List<String> CONTENDERS = List.of("pidspawn", "pidspawn-uapi", "c-posix_spawn", "c-vfork",
            "pb-default", "pb-vfork", "nuprocess");

    @TempDir
    Path tmp;

    @Test
    void quickSpawnTrueWritesEveryContenderAndTheRatios() throws Exception {
        Path file = tmp.resolve("bench.json");
        Cli.Result r = Cli.run("bench", "--quick", "spawn-true", "--json", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("== spawn-true:", "target pidspawn/c-posix_spawn median");

        Map<String, Object> json = map(Json.parse(Files.readString(file)));
        assertThat(map(json.get("machine"))).containsKeys("kernel", "cpu", "cores", "jdk");
        assertThat(map(json.get("machine")).get("cores")).isInstanceOf(Number.class);
        Map<String, Object> workloads = map(json.get("workloads"));
        assertThat(workloads).containsOnlyKeys("spawn-true", "spawn-true-static");
        for (Object w : workloads.values()) {
            Map<String, Object> workload = map(w);
            Map<String, Object> contenders = map(workload.get("contenders"));
            assertThat(contenders).containsOnlyKeys(CONTENDERS);
            for (Object c : contenders.values()) {
                assertThat(map(c)).containsKeys("median_us", "p99_us", "per_s");
                for (String figure : List.of("median_us", "p99_us", "per_s")) {
                    assertThat(map(c).get(figure)).as(figure).isInstanceOf(Number.class);
                }
                // every worker, the C driver's too, uses some CPU of its own per spawn
                assertThat(((Number) map(c).get("parent_cpu_us")).doubleValue()).as("parent_cpu_us").isPositive();
            }
            Map<String, Object> ratios = map(workload.get("ratios"));
            for (String baseline : CONTENDERS.subList(1, CONTENDERS.size())) {
                assertThat(ratios.get("pidspawn/" + baseline)).as("pidspawn/" + baseline).isInstanceOf(Number.class);
            }
            assertThat((List<?>) workload.get("targets")).hasSize(2)
                    .allSatisfy(t -> assertThat(map(t).get("pass")).isInstanceOf(Boolean.class));
        }
    }

    @Test
    void quickColdReportsTheFirstSpawnsOfAFreshJvmBesideAWarmOneAndC() throws Exception {
        Path file = tmp.resolve("cold.json");
        Cli.Result r = Cli.run("bench", "--quick", "cold", "--json", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Map<String, Object> cold = map(map(map(Json.parse(Files.readString(file))).get("workloads")).get("cold"));
        Map<String, Object> contenders = map(cold.get("contenders"));
        assertThat(contenders).containsKeys("pidspawn-first-100", "pidspawn-first-1000", "pidspawn-warm", "c-posix_spawn");
        for (Object c : contenders.values()) {
            assertThat(((Number) map(c).get("median_us")).doubleValue()).isPositive();
            assertThat(((Number) map(c).get("parent_cpu_us")).doubleValue()).isPositive();
        }
        assertThat(((Number) map(contenders.get("pidspawn-first-100")).get("samples")).longValue()).isEqualTo(200);
        assertThat(((Number) map(contenders.get("pidspawn-first-1000")).get("samples")).longValue()).isEqualTo(2000);
        assertThat(map(cold.get("ratios"))).containsKeys("pidspawn-first-1000/pidspawn-warm", "pidspawn-first-1000/c-posix_spawn");
        assertThat((List<?>) cold.get("targets")).hasSize(2);
    }

    @Test
    void anUnknownWorkloadIsAUsageError() throws Exception {
        Cli.Result r = Cli.run("bench", "no-such-workload");
        assertThat(r.exit()).isEqualTo(125);
        assertThat(r.err()).contains("no workload no-such-workload").contains("spawn-true");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }
}
