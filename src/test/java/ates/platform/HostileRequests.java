package ates.platform;

import ates.platform.http.JwtService;
import ates.testing.ForgedTokens;
import ates.testing.Wire;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * A seeded generator of hostile requests against every operation of the API (http-api.md and
 * openapi.yaml): hostile strings, wrong JSON types, duplicate keys, missing fields, deep nesting,
 * malformed JSON and UTF-8, extreme dates, instants and numbers, odd path segments, unknown
 * methods, wrong content types, forged tokens, and what only a raw socket can send.
 *
 * <p>Every request that could change state (a POST or PUT) is invalid by construction: a caller
 * whose token must be refused or whose role may not do it, or a body with at least one definite
 * violation of the contract. So any 2xx answer to it is a defect, and the state after the fuzzing
 * must equal the state before. Reads may be valid; a read whose parameters are invalid by the
 * contract must be a 4xx too.
 */
final class HostileRequests {

  /** Whether the node must accept a token or a value, must refuse it, or may do either. */
  enum Trust {
    VALID,
    INVALID,
    UNCERTAIN
  }

  /** Who sends a request: the Authorization header (null: none), and the user it stands for. */
  record Caller(String name, String authorization, Trust trust, String user) {}

  record TaskRef(String taskId, String assignee, boolean done) {}

  /**
   * What the fuzzing starts from: users by key (admin, manager, accountant, worker1, worker2) with
   * their tokens and ids, and tasks with the key of their assignee.
   */
  record Fixture(
      Map<String, String> tokens,
      Map<String, String> userIds,
      List<TaskRef> tasks,
      LocalDate today) {}

  /**
   * One request. {@code raw} set: the bytes go to a socket as they are; otherwise method, target,
   * headers and body go through the JDK client. {@code mustReject}: any 2xx is a defect. {@code
   * may501}: an unknown method or transfer coding, which HTTP answers with 501.
   */
  record Probe(
      String operation,
      String variant,
      String method,
      String target,
      Map<String, String> headers,
      byte[] body,
      byte[] raw,
      boolean mustReject,
      boolean may501) {

    String kind() {
      return operation + " | " + variant;
    }

    String describe() {
      byte[] bytes = raw != null ? raw : body;
      String shown =
          bytes == null
              ? ""
              : new String(bytes, 0, Math.min(bytes.length, 400), StandardCharsets.ISO_8859_1);
      StringBuilder out = new StringBuilder();
      if (raw == null) {
        out.append(method).append(' ').append(abbreviate(target, 300));
        headers.forEach(
            (k, v) -> out.append(" | ").append(k).append(": ").append(abbreviate(v, 80)));
        if (body != null) out.append(" | body (").append(body.length).append(" bytes): ");
      } else {
        out.append("raw (").append(raw.length).append(" bytes): ");
      }
      for (char c : shown.toCharArray()) {
        if (c < 0x20 || c >= 0x7f) out.append(String.format("\\x%02x", (int) c));
        else out.append(c);
      }
      return out.toString();
    }
  }

  private record Body(String variant, String contentType, byte[] bytes) {}

  private record Value(String text, Trust trust) {}

  private record Operation(String name, int weight, Supplier<Probe> probe) {}

  /** A JSON object as an ordered list of fields with their raw JSON text, so keys can repeat. */
  private static final class Obj {
    private final List<String[]> fields = new ArrayList<>();

    Obj put(String key, String rawJson) {
      fields.removeIf(f -> f[0].equals(key));
      fields.add(new String[] {key, rawJson});
      return this;
    }

    Obj add(String key, String rawJson) {
      fields.add(new String[] {key, rawJson});
      return this;
    }

    Obj remove(String key) {
      fields.removeIf(f -> f[0].equals(key));
      return this;
    }

    String json() {
      StringBuilder b = new StringBuilder("{");
      for (int i = 0; i < fields.size(); i++) {
        if (i > 0) b.append(',');
        b.append(quote(fields.get(i)[0], true)).append(':').append(fields.get(i)[1]);
      }
      return b.append('}').toString();
    }
  }

  // ---- string pools -------------------------------------------------------------------------

  /** Well-formed and without control characters: valid in a free-text field, hostile otherwise. */
  private static final List<String> ODD_TEXT =
      List.of(
          "'; DROP TABLE tasks; --",
          "\" OR \"1\"=\"1",
          "' UNION SELECT password_hash FROM users --",
          "1; SELECT pg_sleep(10)",
          "%' OR '%'='",
          "٥٥٥",
          "５",
          "𝟓",
          "🦜🦜🦜",
          "\u202eevil",
          "a\u200bb",
          "e\u0301",
          "\ufeffbom",
          "line\u2028sep",
          "\uffff\ufffe",
          "${jndi:ldap://example.invalid/a}",
          "<script>alert(1)</script>",
          "{{7*7}}",
          "../../etc/passwd",
          "null",
          "NaN",
          "\\",
          "\"",
          "[UBERPOP-1]",
          "]",
          "%00",
          "%zz",
          "€uro",
          "😀".repeat(50));

  /**
   * Never acceptable in any text field: control characters other than line breaks, lone surrogates.
   */
  private static final List<String> BAD_TEXT =
      List.of(
          "\u0000",
          "a\u0000b",
          "\u0001",
          "\u001b[31mred",
          "\u007f",
          "\u0085",
          "\u009f",
          "lone \ud800",
          "\udfff",
          "\udc00\ud800",
          "end \ud83d",
          "\ud800\ud800",
          "\ud800");

  /** Control characters a multi-line field (description) allows but single-line fields do not. */
  private static final List<String> LINE_BREAKS = List.of("a\nb", "\t", "a\r\nb");

  private static final List<String> BAD_LOGINS =
      List.of(
          "",
          "ab",
          "AB C",
          "Admin",
          "-abc",
          ".abc",
          "a".repeat(65),
          "ünï",
          "a b c",
          "abc\u0000",
          "abc\ud800",
          "admin'--",
          "a/b",
          "٥٥٥",
          "abc\n");
  private static final List<String> BAD_PASSWORDS =
      List.of(
          "",
          "short",
          "1234567",
          "p".repeat(201),
          "password\u0000",
          "pass\tword",
          "password\ud800",
          "\ud83d\ude00".repeat(201));
  private static final List<String> BAD_FULL_NAMES =
      List.of("", "n".repeat(201), "name\u0001", "name\ud800", "a\nb", "\udc00", "x\u007f");
  private static final List<String> BAD_EMAILS =
      List.of(
          "",
          "plain",
          "a@b",
          "a b@c.de",
          "@x.io",
          "a@@b.io",
          "a@b.io\u0000",
          "x\ud800@b.io",
          "a@" + "b".repeat(260) + ".io");
  private static final List<String> BAD_ROLES =
      List.of(
          "boss",
          "",
          "ADMIN",
          "Admin",
          " admin",
          "admin ",
          "root",
          "worker\u0000",
          "wörker",
          "superuser",
          "manager\ud800");
  private static final List<String> ROLES = List.of("worker", "manager", "accountant", "admin");
  private static final List<String> BAD_JIRA_IDS =
      List.of(
          "abc",
          "UBERPOP",
          "uberpop-1",
          "X-",
          "[X-1]",
          "X-1234567890",
          "A".repeat(40) + "-1",
          "X-1\ud800",
          "X-1\u0000",
          "Ｘ-1",
          "X-٥");

  /**
   * Bytes that are not UTF-8: a bare continuation, an invalid start, overlong, CESU surrogate,
   * truncated.
   */
  private static final List<byte[]> BAD_UTF8 =
      List.of(
          new byte[] {(byte) 0xff},
          new byte[] {(byte) 0xc3, (byte) 0x28},
          new byte[] {(byte) 0xc0, (byte) 0xaf},
          new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
          new byte[] {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
          new byte[] {(byte) 0xe2, (byte) 0x82},
          new byte[] {(byte) 0x80},
          new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80});

  private static final List<String> JSON_CONTENT_TYPES =
      List.of(
          "application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8");
  private static final List<String> NOT_JSON_CONTENT_TYPES =
      List.of(
          "text/plain",
          "application/xml",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=zz",
          "application/octet-stream",
          "image/png",
          "text/html; charset=utf-8");
  private static final List<String> UNKNOWN_METHODS =
      List.of("FOO", "BREW", "PROPFIND", "M-SEARCH", "QUERY", "SEARCH");
  private static final List<String> UNROUTED_METHODS =
      List.of("DELETE", "PATCH", "PUT", "OPTIONS", "TRACE");

  // ---- state ---------------------------------------------------------------------------------

  private final SplittableRandom random;
  private final Fixture fixture;
  private final List<Caller> valid = new ArrayList<>();
  private final List<Caller> invalid = new ArrayList<>();
  private final List<Caller> uncertain = new ArrayList<>();
  private final List<Operation> operations = new ArrayList<>();
  private final int totalWeight;
  private int serial;

  HostileRequests(long seed, Fixture fixture) {
    this.random = new SplittableRandom(seed);
    this.fixture = fixture;
    fixture
        .tokens()
        .forEach(
            (user, token) -> {
              valid.add(new Caller(user, "Bearer " + token, Trust.VALID, user));
              valid.add(
                  new Caller(user + " (lower-case scheme)", "bearer " + token, Trust.VALID, user));
            });
    String sample = fixture.tokens().get("worker1");
    ForgedTokens.of(sample)
        .forEach(
            (name, token) ->
                invalid.add(new Caller("worker1 " + name, "Bearer " + token, Trust.INVALID, null)));
    ForgedTokens.of(fixture.tokens().get("admin"))
        .forEach(
            (name, token) ->
                invalid.add(new Caller("admin " + name, "Bearer " + token, Trust.INVALID, null)));
    invalid.add(new Caller("no token", null, Trust.INVALID, null));
    invalid.add(new Caller("empty bearer", "Bearer", Trust.INVALID, null));
    invalid.add(new Caller("bearer and spaces", "Bearer    ", Trust.INVALID, null));
    invalid.add(new Caller("basic credentials", "Basic YWRtaW46YWRtaW4=", Trust.INVALID, null));
    invalid.add(new Caller("garbage token", "Bearer a.b.c", Trust.INVALID, null));
    invalid.add(
        new Caller("token without scheme", fixture.tokens().get("admin"), Trust.INVALID, null));
    invalid.add(
        new Caller("long garbage token", "Bearer " + "A".repeat(6000), Trust.INVALID, null));
    invalid.add(new Caller("two tokens", "Bearer " + sample + " " + sample, Trust.INVALID, null));
    invalid.add(new Caller("sql token", "Bearer ' OR 1=1 --", Trust.INVALID, null));
    // signed with the real secret for users that do not exist or with another role: a node may
    // refuse them (the user is unknown, the role is not the user's), so they are only used to read
    JwtServiceTokens.issue(UUID.randomUUID(), "ghost", "admin")
        .ifPresent(
            t ->
                uncertain.add(
                    new Caller("unknown user as admin", "Bearer " + t, Trust.UNCERTAIN, null)));
    JwtServiceTokens.issue(UUID.fromString(fixture.userIds().get("worker1")), "worker1", "admin")
        .ifPresent(
            t ->
                uncertain.add(
                    new Caller("worker1 claiming admin", "Bearer " + t, Trust.UNCERTAIN, null)));

    op("POST /api/auth/login", 6, this::login);
    op(
        "GET /api/users/me",
        3,
        () -> read("GET /api/users/me", "/api/users/me", anyCaller(), extraParams()));
    op("GET /api/users", 3, () -> read("GET /api/users", "/api/users", anyCaller(), extraParams()));
    op(
        "GET /api/accounts",
        3,
        () -> read("GET /api/accounts", "/api/accounts", anyCaller(), extraParams()));
    op("POST /api/users", 8, this::createUser);
    op("PUT /api/users/{userId}/role", 6, this::changeRole);
    op("GET /api/tasks", 5, this::listTasks);
    op("POST /api/tasks", 12, this::createTask);
    op("POST /api/tasks/shuffle", 3, this::shuffle);
    op("GET /api/tasks/{taskId}", 5, this::getTask);
    op("POST /api/tasks/{taskId}/complete", 5, this::completeTask);
    op("GET /api/accounts/me", 5, () -> account("GET /api/accounts/me", "/api/accounts/me"));
    op(
        "GET /api/accounts/{userId}",
        5,
        () ->
            account(
                "GET /api/accounts/{userId}", "/api/accounts/" + segment(userIdValues()).text()));
    op(
        "GET /api/accounting/earnings",
        5,
        () -> range("GET /api/accounting/earnings", "/api/accounting/earnings", false));
    op("POST /api/accounting/billing-cycles/close", 6, this::closeDay);
    op(
        "GET /api/analytics/dashboard",
        4,
        () -> oneDay("GET /api/analytics/dashboard", "/api/analytics/dashboard"));
    op(
        "GET /api/analytics/most-expensive-task",
        4,
        () ->
            range(
                "GET /api/analytics/most-expensive-task",
                "/api/analytics/most-expensive-task",
                true));
    op(
        "GET /api/analytics/daily",
        4,
        () -> range("GET /api/analytics/daily", "/api/analytics/daily", false));
    op(
        "GET /api/analytics/summary",
        2,
        () -> uncertainRead(range("GET /api/analytics/summary", "/api/analytics/summary", true)));
    op(
        "GET /api/admin/reconciliation",
        2,
        () -> uncertainRead(oneDay("GET /api/admin/reconciliation", "/api/admin/reconciliation")));
    // public: a token, bad or not, does not matter
    op(
        "GET /api/openapi.yaml",
        1,
        () ->
            uncertainRead(
                read("GET /api/openapi.yaml", "/api/openapi.yaml", anyCaller(), extraParams())));
    op("unknown path", 2, this::unknownPath);
    op("wrong method", 4, this::wrongMethod);
    op("HTTP layer", 8, this::httpLayer);
    totalWeight = operations.stream().mapToInt(Operation::weight).sum();
  }

  /** The operations of the API this generator covers, as "METHOD /path/{param}". */
  List<String> operations() {
    return operations.stream()
        .map(Operation::name)
        .filter(n -> n.startsWith("GET ") || n.startsWith("POST ") || n.startsWith("PUT "))
        .toList();
  }

  Probe next() {
    int pick = random.nextInt(totalWeight);
    for (Operation op : operations) {
      pick -= op.weight();
      if (pick < 0) return op.probe().get();
    }
    throw new IllegalStateException();
  }

  private void op(String name, int weight, Supplier<Probe> probe) {
    operations.add(new Operation(name, weight, probe));
  }

  // ---- operations ----------------------------------------------------------------------------

  private Probe login() {
    String op = "POST /api/auth/login";
    Obj o = new Obj();
    String variant;
    switch (random.nextInt(4)) {
      case 0 -> {
        String user = pick(List.copyOf(fixture.tokens().keySet()));
        o.put("login", quote(user.equals("admin") ? "admin" : "fz" + user, random.nextBoolean()))
            .put("password", quote(pick(BAD_PASSWORDS), random.nextBoolean()));
        variant = "known login, wrong password";
      }
      case 1 -> {
        o.put("login", quote(pick(BAD_LOGINS), random.nextBoolean()))
            .put("password", quote(hostile(), random.nextBoolean()));
        variant = "hostile login";
      }
      case 2 -> {
        o.put("login", quote(hostile(), random.nextBoolean()))
            .put("password", quote(hostile(), random.nextBoolean()));
        variant = "hostile login and password";
      }
      default -> {
        o.put("login", quote("admin", true)).put("password", wrongType());
        variant = "password of a wrong type";
      }
    }
    Body body = random.nextInt(3) == 0 ? spoil(o) : json(variant, o.json());
    Caller caller =
        random.nextInt(4) == 0 ? anyCaller() : new Caller("no token", null, Trust.INVALID, null);
    // a login changes nothing but its rate limit: any answer but a 5xx is fine
    return post(op, "/api/auth/login", caller, body, false);
  }

  private Probe createUser() {
    String op = "POST /api/users";
    if (random.nextInt(4) == 0)
      return refusedCaller(op, "/api/users", List.of("admin"), validUser().json());
    Obj o = validUser();
    decorate(o, "fullName");
    String variant;
    switch (random.nextInt(7)) {
      case 0 -> variant = violate(o, "login", BAD_LOGINS);
      case 1 -> variant = violate(o, "password", BAD_PASSWORDS);
      case 2 -> variant = violate(o, "fullName", BAD_FULL_NAMES);
      case 3 -> variant = violate(o, "email", BAD_EMAILS);
      case 4 -> variant = violate(o, "role", BAD_ROLES);
      case 5 -> {
        String field = pick(List.of("login", "password", "fullName", "email", "role"));
        o.remove(field);
        variant = field + " missing";
      }
      default -> {
        // duplicate key, the last one invalid: refused whether duplicates are or the last wins
        String field = pick(List.of("login", "role", "email"));
        List<String> bad =
            field.equals("login") ? BAD_LOGINS : field.equals("role") ? BAD_ROLES : BAD_EMAILS;
        o.add(field, quote(pick(bad), random.nextBoolean()));
        variant = "duplicate " + field + ", the last invalid";
      }
    }
    Body body = random.nextInt(4) == 0 ? spoil(validUser()) : json(variant, o.json());
    return post(op, "/api/users", privileged(List.of("admin")), body, true);
  }

  private Probe changeRole() {
    String op = "PUT /api/users/{userId}/role";
    int mode = random.nextInt(4);
    if (mode == 0) {
      String target =
          "/api/users/"
              + fixture.userIds().get(pick(List.of("worker1", "worker2", "manager")))
              + "/role";
      Probe p = refusedCaller(op, target, List.of("admin"), "{\"role\":\"" + pick(ROLES) + "\"}");
      return withMethod(p, "PUT");
    }
    if (mode == 1) {
      // a well-formed role for a user that does not exist
      Value id =
          pick(
              List.of(
                  new Value(UUID.randomUUID().toString(), Trust.VALID),
                  new Value("00000000-0000-0000-0000-000000000000", Trust.VALID),
                  new Value("not-a-uuid", Trust.INVALID),
                  new Value("%2e%2e", Trust.INVALID),
                  new Value("x".repeat(300), Trust.INVALID)));
      Body body = json("unknown user", "{\"role\":\"" + pick(ROLES) + "\"}");
      return send(
          op,
          "unknown user id",
          "PUT",
          "/api/users/" + id.text() + "/role",
          privileged(List.of("admin")),
          body,
          true);
    }
    Obj o = new Obj().put("role", quote(pick(ROLES), true));
    String variant = random.nextBoolean() ? violate(o, "role", BAD_ROLES) : "role missing";
    if (variant.equals("role missing")) o.remove("role").put("rol", quote("admin", true));
    String user = pick(List.of("worker1", "worker2", "manager", "accountant"));
    // spoiled around the user's own role, so a node that wrongly accepts it changes the least
    String ownRole = user.startsWith("worker") ? "worker" : user;
    Body body =
        random.nextInt(3) == 0
            ? spoil(new Obj().put("role", quote(ownRole, true)))
            : json(variant, o.json());
    String target = "/api/users/" + fixture.userIds().get(user) + "/role";
    return send(op, body.variant(), "PUT", target, privileged(List.of("admin")), body, true);
  }

  private Probe listTasks() {
    Map<String, Value> params = new LinkedHashMap<>();
    if (random.nextBoolean()) params.put("assignee", pick(assigneeValues()));
    if (random.nextBoolean())
      params.put(
          "status",
          pick(
              List.of(
                  new Value("open", Trust.VALID),
                  new Value("done", Trust.VALID),
                  new Value("OPEN", Trust.INVALID),
                  new Value("closed", Trust.INVALID),
                  new Value("", Trust.INVALID),
                  new Value("open\u0000", Trust.INVALID),
                  new Value("open;done", Trust.INVALID),
                  new Value(hostile(), Trust.UNCERTAIN))));
    params.putAll(extraParams());
    return read("GET /api/tasks", "/api/tasks", anyCaller(), params);
  }

  private Probe createTask() {
    String op = "POST /api/tasks";
    if (random.nextInt(5) == 0) {
      Caller caller = pick(invalid);
      Body body = random.nextBoolean() ? json("valid body", validTask().json()) : invalidTask();
      return post(op, "/api/tasks", caller, body, true);
    }
    return post(op, "/api/tasks", pick(valid), invalidTask(), true);
  }

  private Probe shuffle() {
    String op = "POST /api/tasks/shuffle";
    // managers and admins would shuffle for real: only callers that must be refused
    Caller caller =
        random.nextBoolean()
            ? pick(invalid)
            : validOf(pick(List.of("worker1", "worker2", "accountant")));
    Body body =
        random.nextBoolean()
            ? null
            : (random.nextBoolean() ? spoil(validTask()) : json("some body", "{}"));
    return send(
        op,
        caller.trust() == Trust.VALID ? "role may not shuffle" : "bad token: " + caller.name(),
        "POST",
        "/api/tasks/shuffle",
        caller,
        body,
        true);
  }

  private Probe getTask() {
    Value id = segment(taskIdValues());
    Probe p =
        read("GET /api/tasks/{taskId}", "/api/tasks/" + id.text(), anyCaller(), extraParams());
    return id.trust() == Trust.INVALID
        ? mustReject(p, "task id " + id.text().length() + " chars")
        : p;
  }

  private Probe completeTask() {
    String op = "POST /api/tasks/{taskId}/complete";
    TaskRef task = pick(fixture.tasks());
    Caller caller;
    String target;
    String variant;
    switch (random.nextInt(4)) {
      case 0 -> {
        // an open or done task, by anyone but its assignee
        List<String> others =
            fixture.tokens().keySet().stream().filter(u -> !u.equals(task.assignee())).toList();
        caller = validOf(pick(others));
        target =
            "/api/tasks/"
                + (random.nextBoolean() ? task.taskId() : task.taskId().toUpperCase(Locale.ROOT))
                + "/complete";
        variant = "not the assignee";
      }
      case 1 -> {
        TaskRef done = fixture.tasks().stream().filter(TaskRef::done).findFirst().orElseThrow();
        caller = validOf(done.assignee());
        target = "/api/tasks/" + done.taskId() + "/complete";
        variant = "already done";
      }
      case 2 -> {
        caller = pick(invalid);
        target = "/api/tasks/" + task.taskId() + "/complete";
        variant = "bad token: " + caller.name();
      }
      default -> {
        Value id =
            segment(
                List.of(
                    new Value(UUID.randomUUID().toString(), Trust.VALID),
                    new Value("not-a-uuid", Trust.INVALID),
                    new Value("%00", Trust.INVALID),
                    new Value("٥", Trust.INVALID),
                    new Value("x".repeat(500), Trust.INVALID),
                    new Value(task.taskId() + "x", Trust.INVALID),
                    new Value(task.taskId().replace("-", ""), Trust.INVALID)));
        caller = pick(valid);
        target = "/api/tasks/" + id.text() + "/complete";
        variant = "unknown task id";
      }
    }
    Body body = random.nextInt(3) == 0 ? spoil(validTask()) : null;
    return send(op, variant, "POST", target, caller, body, true);
  }

  private Probe account(String op, String path) {
    Map<String, Value> params = new LinkedHashMap<>();
    if (random.nextInt(3) > 0) params.put("limit", pick(limitValues()));
    if (random.nextBoolean()) params.put("before", pick(instantValues()));
    params.putAll(extraParams());
    return read(op, path, anyCaller(), params);
  }

  private Probe range(String op, String path, boolean period) {
    Map<String, Value> params = new LinkedHashMap<>();
    if (period && random.nextInt(4) == 0) {
      params.put(
          "period",
          pick(
              List.of(
                  new Value("day", Trust.VALID),
                  new Value("week", Trust.VALID),
                  new Value("month", Trust.VALID),
                  new Value("year", Trust.UNCERTAIN),
                  new Value("DAY", Trust.INVALID),
                  new Value("", Trust.INVALID),
                  new Value("week\u0000", Trust.INVALID),
                  new Value(hostile(), Trust.UNCERTAIN))));
    } else if (random.nextInt(5) == 0) {
      // ranges in the right order at the edges of the calendar (finding 3 and 4)
      String[] edge =
          pick(
              List.of(
                  new String[] {"+999999999-12-01", "+999999999-12-31"},
                  new String[] {"-4714-11-20", "-4714-11-21"},
                  new String[] {"-5000-01-01", "-5000-01-02"},
                  new String[] {"+10000000-01-01", "+10000000-01-31"},
                  new String[] {"-999999999-01-01", "-999999999-01-02"}));
      params.put("from", new Value(edge[0], Trust.INVALID));
      params.put("to", new Value(edge[1], Trust.INVALID));
      if (random.nextBoolean()) {
        String[] maybe =
            pick(
                List.of(
                    new String[] {"0000-01-01", "0000-01-31"},
                    new String[] {"9999-12-01", "9999-12-31"},
                    new String[] {"-0001-12-01", "0000-01-01"}));
        params.put("from", new Value(maybe[0], Trust.UNCERTAIN));
        params.put("to", new Value(maybe[1], Trust.UNCERTAIN));
      }
    } else if (random.nextBoolean()) {
      LocalDate to = fixture.today().minusDays(random.nextInt(3));
      long span = pick(List.of(0L, 1L, 6L, 30L, 30L, 200L, 365L, 366L, 400L, -1L, -30L));
      params.put("from", new Value(to.minusDays(span).toString(), Trust.VALID));
      params.put("to", new Value(to.toString(), Trust.VALID));
      if (span > 365 || span < 0)
        params.put("to", new Value(to.toString(), Trust.INVALID)); // a range the contract refuses
    } else {
      if (random.nextInt(8) > 0) params.put("from", pick(dateValues()));
      if (random.nextInt(8) > 0) params.put("to", pick(dateValues()));
    }
    params.putAll(extraParams());
    return read(op, path, anyCaller(), params);
  }

  private Probe oneDay(String op, String path) {
    Map<String, Value> params = new LinkedHashMap<>();
    if (random.nextInt(5) > 0) params.put("date", pick(dateValues()));
    params.putAll(extraParams());
    return read(op, path, anyCaller(), params);
  }

  private Probe closeDay() {
    String op = "POST /api/accounting/billing-cycles/close";
    Caller caller;
    Body body;
    if (random.nextInt(3) == 0) {
      // closing a real day pays out: only callers that must be refused, with any body
      caller =
          random.nextBoolean()
              ? pick(invalid)
              : validOf(pick(List.of("manager", "accountant", "worker1")));
      body =
          random.nextBoolean()
              ? null
              : json("a past day", "{\"date\":\"" + fixture.today().minusDays(3) + "\"}");
      return send(
          op,
          caller.trust() == Trust.VALID ? "role may not close" : "bad token: " + caller.name(),
          "POST",
          "/api/accounting/billing-cycles/close",
          caller,
          body,
          true);
    }
    // an admin, always with a date the contract refuses (never an empty body, {} or null: they
    // close today)
    Value date = pick(closeDateValues());
    Obj o = new Obj().put("date", date.text());
    decorateExtra(o);
    switch (random.nextInt(6)) {
      case 0 ->
          body =
              json(
                  "duplicate date, the last invalid",
                  new Obj()
                      .put("date", quote(fixture.today().minusDays(2).toString(), true))
                      .add("date", date.text())
                      .json());
      case 1 ->
          body =
              new Body(
                  "not JSON content type",
                  pick(NOT_JSON_CONTENT_TYPES),
                  o.json().getBytes(StandardCharsets.UTF_8));
      case 2 ->
          body =
              badUtf8(
                  "malformed UTF-8 in the date",
                  new Obj().put("date", quote("2020-01-0", true)).json());
      case 3 ->
          body = json("date nested deep", "{\"date\":" + "[".repeat(2000) + "]".repeat(2000) + "}");
      default -> body = json("date refused: " + date.text().length() + " chars", o.json());
    }
    return send(
        op,
        body.variant(),
        "POST",
        "/api/accounting/billing-cycles/close",
        privileged(List.of("admin")),
        body,
        true);
  }

  private Probe unknownPath() {
    String path =
        pick(
            List.of(
                "/api/nope",
                "/api/tasks/x/y/z",
                "/API/TASKS",
                "/api//tasks",
                "/api/tasks/" + UUID.randomUUID() + "/delete",
                "/api/users/me/role",
                "/api/accounting",
                "/api/analytics",
                "/api/admin",
                "/.env",
                "/api/tasks/%2e%2e/%2e%2e/users",
                "/api/users/" + fixture.userIds().get("admin"),
                "/" + "a/".repeat(300),
                "/api/%E2%80%AE",
                "/api/tasks/%F0%9F%A6%9C"));
    Probe p = read("unknown path", path, anyCaller(), extraParams());
    return mustReject(p, "unknown path");
  }

  private Probe wrongMethod() {
    String target =
        pick(
            List.of(
                "/api/auth/login",
                "/api/users/me",
                "/api/users",
                "/api/tasks",
                "/api/tasks/shuffle",
                "/api/tasks/" + fixture.tasks().get(0).taskId(),
                "/api/accounts/me",
                "/api/accounting/earnings",
                "/api/analytics/daily"));
    boolean unknown = random.nextBoolean();
    String method = unknown ? pick(UNKNOWN_METHODS) : pick(UNROUTED_METHODS);
    Caller caller = pick(valid);
    Body body = random.nextBoolean() ? null : json("valid task body", validTask().json());
    Probe p =
        send(
            "wrong method",
            (unknown ? "unknown method " : "unrouted method ") + method,
            method,
            target,
            caller,
            body,
            true);
    // a CORS policy may answer OPTIONS with 2xx; it changes nothing either way
    return new Probe(
        p.operation(),
        p.variant(),
        p.method(),
        p.target(),
        p.headers(),
        p.body(),
        null,
        !method.equals("OPTIONS"),
        unknown);
  }

  /** What only a raw socket sends: bad request-targets, methods, headers and framing. */
  private Probe httpLayer() {
    String op = "HTTP layer";
    String path =
        pick(
            List.of(
                "/api/users/me",
                "/api/tasks",
                "/api/accounts/me",
                "/api/analytics/dashboard",
                "/api/auth/login"));
    Map<String, String> headers = new LinkedHashMap<>();
    // never a valid token on a request that could change something
    if (random.nextBoolean())
      headers.put("Authorization", "Bearer " + fixture.tokens().get("admin"));
    String auth = headers.get("Authorization");
    String get = "GET ";
    switch (random.nextInt(12)) {
      case 0 -> {
        String target =
            path + pick(List.of("/%zz", "/%", "/%2", "?x=%zz", "/%u0041", "/%%30", "?from=%G0"));
        return raw(
            op, "illegal request-target", get + target + " HTTP/1.1", headers, null, true, false);
      }
      case 1 -> {
        byte[] target =
            concat(
                path.getBytes(StandardCharsets.ISO_8859_1),
                pick(
                    List.of(
                        new byte[] {(byte) 0xff},
                        "<>".getBytes(StandardCharsets.ISO_8859_1),
                        new byte[] {0x01},
                        "\"{}|^`".getBytes(StandardCharsets.ISO_8859_1),
                        "٥".getBytes(StandardCharsets.UTF_8))));
        byte[] line =
            concat(
                get.getBytes(StandardCharsets.ISO_8859_1),
                target,
                " HTTP/1.1".getBytes(StandardCharsets.ISO_8859_1));
        return rawBytes(
            op,
            "raw bytes in request-target",
            concat(line, Wire.request("", headers, null)),
            true,
            false);
      }
      case 2 -> {
        String target = path + "?q=" + "a".repeat(2100 + random.nextInt(20000));
        return raw(
            op, "request-target too long", get + target + " HTTP/1.1", headers, null, true, false);
      }
      case 3 -> {
        headers.put("X-Big", "b".repeat(9000 + random.nextInt(40000)));
        return raw(op, "header too large", get + path + " HTTP/1.1", headers, null, true, false);
      }
      case 4 -> {
        for (int i = 0; i < 70 + random.nextInt(200); i++) headers.put("X-H" + i, "v");
        return raw(op, "too many headers", get + path + " HTTP/1.1", headers, null, true, false);
      }
      case 5 -> {
        String method = pick(List.of("FOO", "get", "BREW", "G".repeat(200), "Get", "M-SEARCH"));
        headers.remove("Authorization");
        return raw(
            op,
            "unknown method on the wire",
            method + " " + path + " HTTP/1.1",
            headers,
            null,
            true,
            true);
      }
      case 6 -> {
        String bad =
            pick(
                List.of(
                    "Bad Header: x",
                    "NoColon",
                    "X-Nul: a\u0000b",
                    "X-Ctl: \u0001",
                    "X-Fold: a\r\n b",
                    "X-Latin: caf\u00e9",
                    ": empty-name",
                    "X-CR: a\rb"));
        String head = get + path + " HTTP/1.1\r\n" + bad;
        return raw(op, "malformed header", head, headers, null, false, false);
      }
      case 7 -> {
        headers.remove("Authorization");
        byte[] body = "{\"login\":\"admin\",\"password\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        headers.put("Content-Type", "application/json");
        switch (random.nextInt(5)) {
          case 0 -> {
            headers.put("Content-Length", Integer.toString(body.length));
            headers.put("Content-length", Integer.toString(body.length + 5));
          }
          case 1 -> headers.put("Content-Length", "-1");
          case 2 -> headers.put("Content-Length", "12abc");
          case 3 -> headers.put("Content-Length", "99999999999999999999");
          default -> headers.put("Content-Length", body.length + ", " + body.length);
        }
        return raw(
            op, "bad Content-Length", "POST /api/auth/login HTTP/1.1", headers, body, false, false);
      }
      case 8 -> {
        headers.remove("Authorization");
        headers.put("Content-Type", "application/json");
        String chunked =
            pick(
                List.of(
                    "zz\r\nabc\r\n0\r\n\r\n",
                    "3\r\nabcdef\r\n0\r\n\r\n",
                    "-1\r\n\r\n",
                    "0\r\n\r\n",
                    "1;ext=\u0001\r\na\r\n0\r\n\r\n"));
        boolean withLength = random.nextBoolean();
        headers.put(
            "Transfer-Encoding",
            pick(
                List.of(
                    "chunked",
                    "chunked",
                    "gzip, chunked",
                    "identity, chunked",
                    "chunked, chunked")));
        if (withLength) headers.put("Content-Length", "3");
        boolean may501 = !headers.get("Transfer-Encoding").equals("chunked");
        return raw(
            op,
            "bad chunked body",
            "POST /api/tasks HTTP/1.1",
            headers,
            chunked.getBytes(StandardCharsets.ISO_8859_1),
            false,
            may501);
      }
      case 9 -> {
        String version = pick(List.of("HTTP/1.0", "HTTP/1.1"));
        String target =
            pick(
                List.of(
                    "http://127.0.0.1" + path,
                    "http://evil.example" + path,
                    path + "#frag",
                    path + "?",
                    path + "/"));
        return raw(
            op,
            "odd request-target form",
            get + target + " " + version,
            headers,
            null,
            false,
            false);
      }
      case 10 -> {
        headers.put(
            "Authorization",
            "Bearer "
                + new String(
                    new byte[] {(byte) 0xc3, (byte) 0xa9, (byte) 0xff}, StandardCharsets.ISO_8859_1)
                + fixture.tokens().get("worker1"));
        return raw(
            op,
            "non-ASCII bytes in the token",
            "POST /api/tasks HTTP/1.1",
            headers,
            validTask().json().getBytes(StandardCharsets.UTF_8),
            true,
            false);
      }
      default -> {
        headers.put("Authorization", "Bearer x.y.z");
        headers.put("Content-Type", "application/json");
        headers.put("Expect", "100-continue");
        return raw(
            op,
            "expect 100-continue, bad token",
            "POST /api/tasks HTTP/1.1",
            headers,
            validTask().json().getBytes(StandardCharsets.UTF_8),
            true,
            false);
      }
    }
  }

  // ---- bodies --------------------------------------------------------------------------------

  private Obj validTask() {
    Obj o =
        new Obj()
            .put("title", quote("Feed the parrots " + (++serial), true))
            .put("description", quote("Seeds, water and a mirror", true));
    if (random.nextBoolean()) o.put("jiraId", quote("UBERPOP-" + (1 + random.nextInt(9999)), true));
    return o;
  }

  private Obj validUser() {
    String login = "fzn" + (++serial);
    return new Obj()
        .put("login", quote(login, true))
        .put("password", quote("password-" + login, true))
        .put("fullName", quote("Fuzz Popug", true))
        .put("email", quote(login + "@example.com", true))
        .put("role", quote(pick(ROLES), true));
  }

  /** A task body with at least one definite violation of the contract. */
  private Body invalidTask() {
    Obj o = validTask();
    decorate(o, "description");
    if (random.nextInt(4) == 0) return spoil(o);
    String variant;
    switch (random.nextInt(16)) {
      case 0 -> {
        o.remove("title");
        variant = "title missing";
      }
      case 1 -> variant = setRaw(o, "title", "null", "title null");
      case 2 ->
          variant =
              setString(
                  o, "title", pick(List.of("", " ", "   ", "\u2003")), "title empty or blank");
      case 3 ->
          variant =
              setString(
                  o,
                  "title",
                  pick(List.of("x", "🦜", "٥")).repeat(201 + random.nextInt(400)),
                  "title over 200 characters");
      case 4 ->
          variant =
              setString(
                  o,
                  "title",
                  pick(List.of("[UBERPOP-1] fix", "fix ]", "[", "a[b]c")),
                  "title with a bracket");
      case 5 -> variant = violate(o, "title", BAD_TEXT);
      case 6 -> variant = violate(o, "title", LINE_BREAKS);
      case 7 -> variant = setRaw(o, "title", wrongType(), "title of a wrong type");
      case 8 -> {
        o.remove("description");
        variant = "description missing";
      }
      case 9 -> variant = setRaw(o, "description", "null", "description null");
      case 10 ->
          variant =
              setString(
                  o,
                  "description",
                  "d".repeat(4001 + random.nextInt(3000)),
                  "description over 4000 characters");
      case 11 -> variant = violate(o, "description", BAD_TEXT);
      case 12 -> variant = setRaw(o, "description", wrongType(), "description of a wrong type");
      case 13 -> variant = violate(o, "jiraId", BAD_JIRA_IDS);
      case 14 ->
          variant =
              setRaw(
                  o,
                  "jiraId",
                  pick(List.of("[]", "{}", "[\"UBERPOP-1\"]", "{\"id\":\"UBERPOP-1\"}")),
                  "jiraId of a wrong type");
      default -> {
        // duplicate keys, both values valid: ambiguous, so refused (finding 13)
        String field = pick(List.of("title", "description", "jiraId"));
        String value = field.equals("jiraId") ? "UBERPOP-7" : "Another " + field;
        if (field.equals("jiraId")) o.put("jiraId", quote("UBERPOP-8", true));
        if (random.nextBoolean()) o.add(field, quote(value, true));
        else {
          Obj first = new Obj().put(field, quote(value, true));
          o.fields.forEach(f -> first.add(f[0], f[1]));
          o = first;
        }
        variant = "duplicate " + field;
      }
    }
    return json(variant, o.json());
  }

  /**
   * A body made invalid as a whole from a valid object: malformed JSON or UTF-8, not an object, too
   * deep, too large, or not JSON at all.
   */
  private Body spoil(Obj o) {
    String text = o.json();
    Body spoiled = spoilText(text);
    if (new String(spoiled.bytes(), StandardCharsets.UTF_8).equals(text)
        && spoiled.contentType() != null
        && spoiled.contentType().startsWith("application/json"))
      return json("truncated JSON", text.substring(0, text.length() - 1));
    return spoiled;
  }

  private Body spoilText(String text) {
    switch (random.nextInt(14)) {
      case 0 -> {
        return json("truncated JSON", text.substring(0, random.nextInt(text.length() - 1)));
      }
      case 1 -> {
        return json(
            "trailing garbage after the JSON",
            text + pick(List.of(" x", "}", ",", text, "\u0000", " // c", "]")));
      }
      case 2 -> {
        return json(
            "comments, single quotes or trailing comma",
            pick(
                List.of(
                    "/*c*/" + text,
                    text.replace('"', '\''),
                    text.substring(0, text.length() - 1) + ",}",
                    text.replaceFirst("\"([a-zA-Z]+)\":", "$1:"))));
      }
      case 3 -> {
        return json(
            "raw control character in a string",
            afterFirst(text, "\":\"", pick(List.of("\u0001", "\u0000", "\n", "\u001f"))));
      }
      case 4 -> {
        return json(
            "bad escape in a string",
            afterFirst(
                text,
                "\":\"",
                pick(
                    List.of(
                        "\\x41", "\\uZZZZ", "\\u00G0", "\\U0001F99C", "\\'", "\\ud800\\u0041"))));
      }
      case 5 -> {
        return badUtf8("malformed UTF-8 in a string", text);
      }
      case 6 -> {
        return json(
            "not an object",
            pick(
                List.of(
                    "[]", "\"garbage\"", "123", "true", "[" + text + "]", "{}x", "\"\\ud800\"")));
      }
      case 7 -> {
        int depth = 1000 + random.nextInt(25000);
        return json(
            "deep nesting",
            pick(
                List.of(
                    "[".repeat(depth) + "]".repeat(depth),
                    "{\"a\":".repeat(depth / 6) + "1" + "}".repeat(depth / 6),
                    text.replaceFirst(
                        "\":\"[^\"]*\"",
                        java.util.regex.Matcher.quoteReplacement(
                            "\":" + "[".repeat(depth) + "]".repeat(depth))))));
      }
      case 8 -> {
        byte[] big = new byte[65 * 1024 + random.nextInt(200 * 1024)];
        java.util.Arrays.fill(big, (byte) ' ');
        byte[] start = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(start, 0, big, 0, start.length);
        return new Body("body over 64 KiB", pick(JSON_CONTENT_TYPES), big);
      }
      case 9 -> {
        return new Body(
            "not JSON content type",
            random.nextInt(5) == 0 ? null : pick(NOT_JSON_CONTENT_TYPES),
            text.getBytes(StandardCharsets.UTF_8));
      }
      case 10 -> {
        // not numbers JSON allows (a number that is would be read as the string field's text)
        return json(
            "NaN, Infinity or malformed numbers",
            text.replaceFirst(
                "\":\"[^\"]*\"",
                java.util.regex.Matcher.quoteReplacement(
                    "\":"
                        + pick(
                            List.of(
                                "NaN",
                                "Infinity",
                                "-Infinity",
                                "-0x10",
                                "01",
                                "+1",
                                ".5",
                                "1.")))));
      }
      case 11 -> {
        return json("empty or blank body", pick(List.of(" ", "\n", "\t\t")));
      }
      case 12 -> {
        byte[] utf16 = text.getBytes(StandardCharsets.UTF_16LE);
        return new Body("UTF-16 body declared as JSON with no charset", "application/json", utf16);
      }
      default -> {
        return new Body(
            "JSON in a form",
            "application/x-www-form-urlencoded",
            ("json=" + URLEncoder.encode(text, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private Body badUtf8(String variant, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int at = text.indexOf("\":\"");
    if (at < 0) return json("truncated JSON", text.substring(0, text.length() - 1));
    int insert = text.substring(0, at + 3).getBytes(StandardCharsets.UTF_8).length;
    byte[] bad = pick(BAD_UTF8);
    byte[] out = new byte[bytes.length + bad.length];
    System.arraycopy(bytes, 0, out, 0, insert);
    System.arraycopy(bad, 0, out, insert, bad.length);
    System.arraycopy(bytes, insert, out, insert + bad.length, bytes.length - insert);
    return new Body(variant, pick(JSON_CONTENT_TYPES), out);
  }

  private Body json(String variant, String text) {
    return new Body(variant, pick(JSON_CONTENT_TYPES), text.getBytes(StandardCharsets.UTF_8));
  }

  private String violate(Obj o, String field, List<String> bad) {
    o.put(field, quote(pick(bad), random.nextBoolean()));
    return field + " invalid";
  }

  private String setString(Obj o, String field, String value, String variant) {
    o.put(field, quote(value, random.nextBoolean()));
    return variant;
  }

  private static String setRaw(Obj o, String field, String rawJson, String variant) {
    o.put(field, rawJson);
    return variant;
  }

  /** Maybe puts a hostile but possibly valid string in a field, and unknown fields. */
  private void decorate(Obj o, String field) {
    if (random.nextInt(3) == 0)
      o.put(
          field,
          quote(
              pick(ODD_TEXT) + (random.nextBoolean() ? "" : pick(ODD_TEXT)), random.nextBoolean()));
    decorateExtra(o);
  }

  private void decorateExtra(Obj o) {
    if (random.nextInt(4) == 0)
      o.put(
          pick(
              List.of(
                  "taskId",
                  "status",
                  "assigneeId",
                  "assignFee",
                  "__proto__",
                  "constructor",
                  "role",
                  "userId",
                  "\ud800")),
          pick(
              List.of(
                  "\"done\"", "1", "null", "{\"admin\":true}", "[]", "-1", "9223372036854775808")));
  }

  private String wrongType() {
    return pick(List.of("[]", "{}", "[\"a\"]", "{\"a\":\"b\"}", "[[[[[[[[[[]]]]]]]]]]", "[null]"));
  }

  private String hostile() {
    return switch (random.nextInt(4)) {
      case 0 -> pick(BAD_TEXT);
      case 1 -> pick(ODD_TEXT) + pick(ODD_TEXT);
      case 2 -> pick(ODD_TEXT).repeat(1 + random.nextInt(300));
      default -> pick(ODD_TEXT);
    };
  }

  // ---- values --------------------------------------------------------------------------------

  private List<Value> dateValues() {
    LocalDate today = fixture.today();
    return List.of(
        new Value(today.toString(), Trust.VALID),
        new Value(today.minusDays(1).toString(), Trust.VALID),
        new Value(today.minusDays(40).toString(), Trust.VALID),
        new Value(today.plusDays(3).toString(), Trust.VALID),
        new Value("-5000-01-01", Trust.INVALID),
        new Value("-4714-11-20", Trust.INVALID),
        new Value("+999999999-12-31", Trust.INVALID),
        new Value("+999999999-12-01", Trust.INVALID),
        new Value("-999999999-01-01", Trust.INVALID),
        new Value("+10000000-01-01", Trust.INVALID),
        new Value("2026-02-30", Trust.INVALID),
        new Value("2026-13-01", Trust.INVALID),
        new Value("2026-1-1", Trust.INVALID),
        new Value("20260101", Trust.INVALID),
        new Value("", Trust.INVALID),
        new Value("today", Trust.INVALID),
        new Value("2026-01-01T00:00:00Z", Trust.INVALID),
        new Value("٢٠٢٦-٠١-٠١", Trust.INVALID),
        new Value("2026-01-01'; DROP TABLE days; --", Trust.INVALID),
        new Value(" 2026-01-01", Trust.UNCERTAIN),
        new Value("0000-01-01", Trust.UNCERTAIN),
        new Value("0001-01-01", Trust.UNCERTAIN),
        new Value("-0001-12-31", Trust.UNCERTAIN),
        new Value("9999-12-31", Trust.UNCERTAIN),
        new Value("+10000-01-01", Trust.UNCERTAIN),
        new Value("1970-01-01", Trust.UNCERTAIN),
        new Value(hostile(), Trust.UNCERTAIN));
  }

  /** Dates closing refuses for sure: in the future, outside any supported range, not dates. */
  private List<Value> closeDateValues() {
    LocalDate today = fixture.today();
    return List.of(
        new Value(quote(today.plusDays(2).toString(), true), Trust.INVALID),
        new Value(quote(today.plusYears(1).toString(), true), Trust.INVALID),
        new Value(quote("+999999999-12-31", true), Trust.INVALID),
        new Value(quote("-999999999-01-01", true), Trust.INVALID),
        new Value(quote("-5000-01-01", true), Trust.INVALID),
        new Value(quote("-4714-11-20", true), Trust.INVALID),
        new Value(quote("2026-02-30", true), Trust.INVALID),
        new Value(quote("yesterday", true), Trust.INVALID),
        new Value(quote("", true), Trust.INVALID),
        new Value(quote(pick(BAD_TEXT), false), Trust.INVALID),
        new Value(quote("٢٠٢٠-٠١-٠١", random.nextBoolean()), Trust.INVALID),
        new Value("20200101", Trust.INVALID),
        new Value("true", Trust.INVALID),
        new Value("[\"2020-01-01\"]", Trust.INVALID),
        new Value("{\"date\":\"2020-01-01\"}", Trust.INVALID),
        new Value(quote("2020-01-01T00:00:00Z", true), Trust.INVALID));
  }

  private List<Value> instantValues() {
    return List.of(
        new Value(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), Trust.VALID),
        new Value("2026-01-01T00:00:00Z", Trust.VALID),
        new Value("2026-01-01T00:00:00.123456789Z", Trust.VALID),
        new Value("-5000-01-01T00:00:00Z", Trust.INVALID),
        new Value("+999999999-12-31T23:59:59Z", Trust.INVALID),
        new Value("-1000000000-01-01T00:00:00Z", Trust.INVALID),
        new Value("+1000000000-12-31T23:59:59.999999999Z", Trust.INVALID),
        new Value("2026-01-01", Trust.INVALID),
        new Value("yesterday", Trust.INVALID),
        new Value("1700000000000", Trust.INVALID),
        new Value("2026-02-30T00:00:00Z", Trust.INVALID),
        new Value("2026-01-01T25:00:00Z", Trust.INVALID),
        new Value("", Trust.INVALID),
        new Value("0000-01-01T00:00:00Z", Trust.UNCERTAIN),
        new Value("9999-12-31T23:59:59Z", Trust.UNCERTAIN),
        new Value("+10000-01-01T00:00:00Z", Trust.UNCERTAIN),
        new Value("2026-01-01T00:00:00+02:00", Trust.UNCERTAIN),
        new Value("1970-01-01T00:00:00Z", Trust.UNCERTAIN),
        new Value(hostile(), Trust.UNCERTAIN));
  }

  private List<Value> limitValues() {
    return List.of(
        new Value("1", Trust.VALID),
        new Value("50", Trust.VALID),
        new Value("500", Trust.VALID),
        new Value("05", Trust.VALID),
        new Value("٥", Trust.INVALID),
        new Value("５", Trust.INVALID),
        new Value("𝟓", Trust.INVALID),
        new Value("۵", Trust.INVALID),
        new Value("١٠", Trust.INVALID),
        new Value("-1", Trust.INVALID),
        new Value("0", Trust.INVALID),
        new Value("501", Trust.INVALID),
        new Value("99999999999", Trust.INVALID),
        new Value("2147483648", Trust.INVALID),
        new Value("-2147483649", Trust.INVALID),
        new Value("1e3", Trust.INVALID),
        new Value("0x10", Trust.INVALID),
        new Value("", Trust.INVALID),
        new Value("NaN", Trust.INVALID),
        new Value("5.0", Trust.INVALID),
        new Value("5abc", Trust.INVALID),
        new Value("+5", Trust.UNCERTAIN),
        new Value(" 5", Trust.UNCERTAIN),
        new Value(hostile(), Trust.UNCERTAIN));
  }

  private List<Value> assigneeValues() {
    List<Value> values =
        new ArrayList<>(
            List.of(
                new Value("me", Trust.VALID),
                new Value("all", Trust.VALID),
                new Value("nobody", Trust.INVALID),
                new Value("ALL", Trust.INVALID),
                new Value("me,all", Trust.INVALID),
                new Value("", Trust.INVALID),
                new Value("../users", Trust.INVALID),
                new Value(UUID.randomUUID().toString(), Trust.UNCERTAIN),
                new Value(
                    fixture.userIds().get("worker1").toUpperCase(Locale.ROOT), Trust.UNCERTAIN),
                new Value(hostile(), Trust.UNCERTAIN)));
    fixture.userIds().values().forEach(id -> values.add(new Value(id, Trust.VALID)));
    return values;
  }

  private List<Value> taskIdValues() {
    List<Value> values =
        new ArrayList<>(
            List.of(
                new Value(UUID.randomUUID().toString(), Trust.UNCERTAIN),
                new Value("00000000-0000-0000-0000-000000000000", Trust.UNCERTAIN),
                new Value(
                    fixture.tasks().get(0).taskId().toUpperCase(Locale.ROOT), Trust.UNCERTAIN),
                new Value("not-a-uuid", Trust.INVALID),
                new Value("0", Trust.INVALID),
                new Value("-1", Trust.INVALID),
                new Value("%00", Trust.INVALID),
                new Value("٥", Trust.INVALID),
                new Value("x".repeat(300), Trust.INVALID),
                new Value("..", Trust.INVALID),
                new Value("%2e%2e", Trust.INVALID),
                new Value("%2F", Trust.INVALID),
                new Value("{" + fixture.tasks().get(0).taskId() + "}", Trust.INVALID),
                new Value(fixture.tasks().get(0).taskId().replace("-", ""), Trust.INVALID),
                new Value(fixture.tasks().get(0).taskId() + "x", Trust.INVALID),
                new Value("' OR 1=1 --", Trust.INVALID)));
    fixture.tasks().forEach(t -> values.add(new Value(t.taskId(), Trust.VALID)));
    return values;
  }

  private List<Value> userIdValues() {
    List<Value> values =
        new ArrayList<>(
            List.of(
                new Value("me", Trust.UNCERTAIN),
                new Value(UUID.randomUUID().toString(), Trust.UNCERTAIN),
                new Value("not-a-uuid", Trust.INVALID),
                new Value("%00", Trust.INVALID),
                new Value("x".repeat(300), Trust.INVALID),
                new Value("' OR 1=1 --", Trust.INVALID)));
    fixture.userIds().values().forEach(id -> values.add(new Value(id, Trust.VALID)));
    return values;
  }

  /** A path segment: percent-encoded unless it already is. */
  private Value segment(List<Value> values) {
    Value v = pick(values);
    if (v.text().startsWith("%")) return v;
    return new Value(
        URLEncoder.encode(v.text(), StandardCharsets.UTF_8).replace("+", "%20"), v.trust());
  }

  private Map<String, Value> extraParams() {
    Map<String, Value> params = new LinkedHashMap<>();
    if (random.nextInt(6) == 0)
      params.put(
          pick(List.of("x", "__proto__", "limit[]", "from\u0000", "\ud83e\udd9c", "a".repeat(100))),
          new Value(hostile(), Trust.UNCERTAIN));
    return params;
  }

  // ---- callers and requests ------------------------------------------------------------------

  private Caller anyCaller() {
    int n = random.nextInt(10);
    if (n < 5) return pick(valid);
    if (n < 9) return pick(invalid);
    return pick(uncertain);
  }

  private Caller validOf(String user) {
    return valid.stream().filter(c -> user.equals(c.user())).findFirst().orElseThrow();
  }

  private Caller privileged(List<String> users) {
    return validOf(pick(users));
  }

  /** A well-formed request by a caller that must be refused: a bad token or a role that may not. */
  private Probe refusedCaller(String op, String target, List<String> allowed, String validJson) {
    Caller caller;
    if (random.nextBoolean()) caller = pick(invalid);
    else
      caller =
          validOf(
              pick(fixture.tokens().keySet().stream().filter(u -> !allowed.contains(u)).toList()));
    Body body = json("well-formed body", validJson);
    return send(
        op,
        caller.trust() == Trust.VALID
            ? "role may not: " + caller.user()
            : "bad token: " + caller.name(),
        "POST",
        target,
        caller,
        body,
        true);
  }

  private Probe post(String op, String target, Caller caller, Body body, boolean mustReject) {
    String variant =
        body.variant() + (caller.trust() == Trust.VALID ? "" : " | bad token: " + caller.name());
    return send(op, variant, "POST", target, caller, body, mustReject);
  }

  private Probe send(
      String op,
      String variant,
      String method,
      String target,
      Caller caller,
      Body body,
      boolean mustReject) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (caller.authorization() != null) headers.put("Authorization", caller.authorization());
    if (body != null && body.contentType() != null) headers.put("Content-Type", body.contentType());
    if (random.nextInt(10) == 0)
      headers.put(
          "Idempotency-Key",
          pick(List.of("", "k".repeat(129), "key with spaces", "key-" + serial, "%00")));
    if (random.nextInt(10) == 0) headers.put("Origin", "https://evil.example");
    return new Probe(
        op,
        variant,
        method,
        target,
        headers,
        body == null ? null : body.bytes(),
        null,
        mustReject,
        false);
  }

  private Probe read(String op, String path, Caller caller, Map<String, Value> params) {
    StringBuilder target = new StringBuilder(path);
    boolean invalidParam = false;
    String variant =
        caller.trust() == Trust.VALID
            ? "valid token"
            : caller.trust() == Trust.INVALID ? "bad token" : "forged but signed token";
    char sep = '?';
    for (Map.Entry<String, Value> p : params.entrySet()) {
      target.append(sep).append(URLEncoder.encode(p.getKey(), StandardCharsets.UTF_8));
      if (random.nextInt(20) > 0 || !p.getValue().text().isEmpty())
        target.append('=').append(URLEncoder.encode(p.getValue().text(), StandardCharsets.UTF_8));
      sep = '&';
      if (p.getValue().trust() == Trust.INVALID) {
        invalidParam = true;
        variant += ", invalid " + p.getKey();
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (caller.authorization() != null) headers.put("Authorization", caller.authorization());
    if (random.nextInt(10) == 0) headers.put("Origin", "https://evil.example");
    boolean mustReject = caller.trust() == Trust.INVALID || invalidParam;
    String method = random.nextInt(30) == 0 ? "HEAD" : "GET";
    return new Probe(
        op, variant, method, target.toString(), headers, null, null, mustReject, false);
  }

  private static Probe mustReject(Probe p, String why) {
    return new Probe(
        p.operation(),
        p.variant() + ", " + why,
        p.method(),
        p.target(),
        p.headers(),
        p.body(),
        p.raw(),
        true,
        p.may501());
  }

  private static Probe uncertainRead(Probe p) {
    return new Probe(
        p.operation(),
        p.variant(),
        p.method(),
        p.target(),
        p.headers(),
        p.body(),
        p.raw(),
        false,
        p.may501());
  }

  private static Probe withMethod(Probe p, String method) {
    return new Probe(
        p.operation(),
        p.variant(),
        method,
        p.target(),
        p.headers(),
        p.body(),
        p.raw(),
        p.mustReject(),
        p.may501());
  }

  private Probe raw(
      String op,
      String variant,
      String requestLineAndMore,
      Map<String, String> headers,
      byte[] body,
      boolean mustReject,
      boolean may501) {
    return rawBytes(
        op, variant, Wire.request(requestLineAndMore, headers, body), mustReject, may501);
  }

  private static Probe rawBytes(
      String op, String variant, byte[] bytes, boolean mustReject, boolean may501) {
    return new Probe(op, variant, null, null, Map.of(), null, bytes, mustReject, may501);
  }

  // ---- helpers -------------------------------------------------------------------------------

  private <T> T pick(List<T> list) {
    return list.get(random.nextInt(list.size()));
  }

  /**
   * A JSON string literal of {@code s}: lone surrogates always as {@code \\uXXXX} escapes (they
   * have no UTF-8), other non-ASCII characters escaped when {@code ascii}, raw otherwise.
   */
  static String quote(String s, boolean ascii) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean paired =
          Character.isHighSurrogate(c)
                  && i + 1 < s.length()
                  && Character.isLowSurrogate(s.charAt(i + 1))
              || Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
      if (c == '"') b.append("\\\"");
      else if (c == '\\') b.append("\\\\");
      else if (c < 0x20 || (Character.isSurrogate(c) && !paired) || (c > 0x7e && ascii))
        b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  /**
   * {@code text} with {@code insert} right after the first {@code marker}; unchanged without one.
   */
  private static String afterFirst(String text, String marker, String insert) {
    int at = text.indexOf(marker);
    return at < 0
        ? text
        : text.substring(0, at + marker.length()) + insert + text.substring(at + marker.length());
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) n += p.length;
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…(" + s.length() + " chars)";
  }

  /** Tokens signed with the test secret for any subject and role. */
  private static final class JwtServiceTokens {
    static java.util.Optional<String> issue(UUID subject, String login, String role) {
      JwtService jwt =
          new JwtService(
              ates.testing.TestInfra.JWT_SECRET.getBytes(StandardCharsets.UTF_8),
              "ates",
              java.time.Duration.ofHours(1),
              java.time.Clock.systemUTC());
      return ates.contract.Role.parse(role).map(r -> jwt.issue(subject, login, r).token());
    }
  }
}
