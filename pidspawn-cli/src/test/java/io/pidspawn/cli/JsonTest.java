package io.pidspawn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CLI's JSON reads what it writes, and refuses malformed text with the offset. */
class JsonTest {
    @Test
    void roundTrips() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "quote \" backslash \\ newline \n tab \t ctl \u0001 é");
        m.put("n", 42L);
        m.put("d", 1.5);
        m.put("b", true);
        m.put("z", null);
        m.put("l", List.of(1L, "two", List.of()));
        m.put("o", Map.of());
        assertThat(Json.parse(Json.write(m))).isEqualTo(m);
    }

    @Test
    void malformedTextIsRefused() {
        for (String bad : Arrays.asList("{", "{\"a\" 1}", "[1,]", "\"unterminated", "tru", "{} x", "{\"a\":\"\\q\"}", "")) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid JSON at offset");
        }
    }
}
