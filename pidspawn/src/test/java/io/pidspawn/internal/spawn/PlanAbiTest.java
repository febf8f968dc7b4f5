package io.pidspawn.internal.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import io.pidspawn.SpawnStep;
import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The plan layout has one source of truth, {@code src/main/c/pidspawn_plan.h}; this test fails if
 * the Java mirror ({@link PlanAbi}, {@link SpawnStep}) disagrees with it in any constant, field
 * name, field order or field size.
 */
class PlanAbiTest {
    private static final Path HEADER = Path.of("src/main/c/pidspawn_plan.h");

    @Test
    void abiVersionMatches() throws IOException {
        assertThat(defines("PS_ABI_VERSION")).containsEntry("PS_ABI_VERSION", PlanAbi.VERSION);
    }

    @Test
    void everyStepNumberMatches() throws IOException {
        Map<String, Integer> steps = defines("PS_STEP_");
        steps.remove("PS_STEP_MAX");
        Map<String, Integer> java = new LinkedHashMap<>();
        for (SpawnStep s : SpawnStep.values()) {
            if (s.code() > 0) {
                java.put("PS_STEP_" + s.name(), s.code());
            }
        }
        assertThat(java).isEqualTo(steps);
        assertThat(defines("PS_STEP_MAX").get("PS_STEP_MAX"))
                .isEqualTo(java.values().stream().mapToInt(Integer::intValue).max().orElseThrow());
    }

    @Test
    void listAndQueryConstantsMatch() throws IOException {
        assertThat(defines("PS_LIST_")).isEqualTo(Map.of(
                "PS_LIST_NONE", PlanAbi.LIST_NONE, "PS_LIST_PLAN", PlanAbi.LIST_PLAN, "PS_LIST_RUN", PlanAbi.LIST_RUN));
        assertThat(defines("PS_ABI_")).containsAllEntriesOf(Map.of(
                "PS_ABI_VERSION_Q", PlanAbi.Q_VERSION, "PS_ABI_SIZEOF_OP", PlanAbi.Q_SIZEOF_OP,
                "PS_ABI_SIZEOF_REQUEST", PlanAbi.Q_SIZEOF_REQUEST, "PS_ABI_OFFSETOF_PID", PlanAbi.Q_OFFSETOF_PID,
                "PS_ABI_OFFSETOF_ERRNO", PlanAbi.Q_OFFSETOF_ERRNO));
    }

    @Test
    void opStructMatchesFieldByField() throws IOException {
        assertThat(fields(PlanAbi.OP)).isEqualTo(struct("ps_op"));
    }

    @Test
    void requestStructMatchesFieldByField() throws IOException {
        assertThat(fields(PlanAbi.REQUEST)).isEqualTo(struct("ps_request"));
    }

    /**
     * The header's compile-time layout facts (checked by the compiler for every target, the
     * cross-compiled aarch64 one included) are exactly Java's: every member's offset, each size.
     */
    @Test
    void compileTimeLayoutAssertionsAreJavasOffsets() throws IOException {
        String text = Files.readString(HEADER);
        for (StructLayout layout : List.of(PlanAbi.OP, PlanAbi.REQUEST)) {
            String name = layout.name().orElseThrow();
            Map<String, Long> java = new LinkedHashMap<>();
            for (MemoryLayout m : layout.memberLayouts()) {
                java.put(m.name().orElseThrow(), layout.byteOffset(MemoryLayout.PathElement.groupElement(m.name().orElseThrow())));
            }
            Map<String, Long> asserted = new LinkedHashMap<>();
            Matcher m = Pattern.compile("^PS_LAYOUT\\(" + name + ", (\\w+), (\\d+)\\);", Pattern.MULTILINE).matcher(text);
            while (m.find()) {
                asserted.put(m.group(1), Long.parseLong(m.group(2)));
            }
            assertThat(asserted).as("PS_LAYOUT(%s, ...) lines in %s", name, HEADER).isEqualTo(java);
            Matcher size = Pattern.compile("^PS_SIZE\\(" + name + ", (\\d+)\\);", Pattern.MULTILINE).matcher(text);
            assertThat(size.find()).as("PS_SIZE(%s, ...) in %s", name, HEADER).isTrue();
            assertThat(Long.parseLong(size.group(1))).as("sizeof(struct %s)", name).isEqualTo(layout.byteSize());
        }
    }

    /** "name:size" for each member of a Java layout, in order. */
    private static List<String> fields(StructLayout layout) {
        List<String> out = new ArrayList<>();
        for (MemoryLayout m : layout.memberLayouts()) {
            out.add(m.name().orElseThrow() + ":" + m.byteSize());
        }
        return out;
    }

    /** "name:size" for each member of a C struct in the header, in order. */
    private static List<String> struct(String name) throws IOException {
        String text = Files.readString(HEADER);
        Matcher body = Pattern.compile("struct " + name + " \\{(.*?)\\};", Pattern.DOTALL).matcher(text);
        assertThat(body.find()).as("struct %s in %s", name, HEADER).isTrue();
        List<String> out = new ArrayList<>();
        Matcher field = Pattern.compile("^\\s*(u?int(\\d+)_t)\\s+(\\w+);", Pattern.MULTILINE).matcher(body.group(1));
        while (field.find()) {
            out.add(field.group(3) + ":" + Integer.parseInt(field.group(2)) / 8);
        }
        return out;
    }

    private static Map<String, Integer> defines(String prefix) throws IOException {
        Map<String, Integer> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("^#define\\s+(" + prefix + "\\w*)\\s+(\\d+)", Pattern.MULTILINE)
                .matcher(Files.readString(HEADER));
        while (m.find()) {
            out.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return out;
    }
}
