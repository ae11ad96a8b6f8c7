package ates.system;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ates.Main;
import ates.contract.Topics;
import ates.platform.AtesNode;
import ates.testing.ConsumerLag;
import ates.testing.Http;
import ates.testing.IntegrationTest;
import ates.testing.TestInfra;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web app in a real browser: headless Chromium driven by Selenium through the system's
 * chromedriver, against one node with every service. Each role logs in through the login form and
 * works through the pages as a person would; the tests also save a screenshot of each role's main
 * page under {@code target/screenshots/}. Without Chromium the tests are skipped.
 *
 * <p>The methods share the node and run in order: the first one creates the only task the earnings
 * figures see.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebAppBrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private AtesNode node;
  private Http http;
  private String base;
  private String adminToken;
  private String managerToken;
  private WebDriver browser;

  @BeforeAll
  void start() throws IOException {
    assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "browser tests need Chromium and its driver: apt-get install -y chromium chromium-driver");
    TestInfra infra = TestInfra.get();
    TestInfra.NodeSetup setup = infra.newNode();
    node = AtesNode.start(infra.nodeConfig(setup, "all"), Main.services());
    http = new Http(node.httpPort());
    base = "http://127.0.0.1:" + node.httpPort();
    adminToken = http.login("admin", TestInfra.ADMIN_PASSWORD);
    http.createUser(adminToken, "web-manager", "manager");
    http.createUser(adminToken, "web-accountant", "accountant");
    // the only worker, so that every task is assigned to them
    String workerId = http.createUser(adminToken, "web-worker", "worker").get("userId").asText();
    managerToken = http.login("web-manager");
    ConsumerLag.awaitConsumed(
        infra.kafkaBootstrap(),
        setup.topic("tasks-users"),
        setup.topic(Topics.USERS),
        List.of(workerId),
        TIMEOUT);
    Files.createDirectories(SCREENSHOTS);
    browser = chromium();
  }

  private static WebDriver chromium() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--lang=en-US");
    // An explicit driver: Selenium Manager never looks for (or downloads) one.
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    return new ChromeDriver(service, options);
  }

  /** What the browser showed at the end of each test, to read when one fails. */
  @AfterEach
  void lastScreen(TestInfo test) throws IOException {
    if (browser == null) return;
    Path dir = Files.createDirectories(Path.of("target", "browser"));
    Files.copy(
        ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
        dir.resolve(test.getTestMethod().orElseThrow().getName() + ".png"),
        StandardCopyOption.REPLACE_EXISTING);
  }

  @AfterAll
  void stop() {
    if (browser != null) browser.quit();
    if (node != null) node.stop();
  }

  @Test
  @Order(1)
  void a_task_created_by_a_manager_is_completed_by_its_worker_and_counted_on_the_dashboard() {
    logIn("web-manager");
    awaitHeading("All tasks");

    link("New task").click();
    awaitHeading("New task");
    button("Create task").click();
    WebElement titleError = errorOf("Title");
    eventually().until(titleError::isDisplayed);
    assertFalse(titleError.getText().isBlank());
    assertEquals("true", field("Title").getAttribute("aria-invalid"));

    String title = "Polish the perch " + System.nanoTime();
    field("Title").sendKeys(title);
    field("Jira ID").sendKeys("UBERPOP-7");
    field("Description").sendKeys("until it shines");
    button("Create task").click();
    eventually().until(() -> statusText().startsWith("Created “" + title + "”"));
    assertTrue(statusText().contains("web-worker"), statusText());
    JsonNode task = onlyTaskTitled(title);
    long fee = task.get("assignFee").asLong();
    long reward = task.get("completionReward").asLong();
    link("All tasks").click();
    awaitHeading("All tasks");
    eventually()
        .until(
            () -> browser.findElement(By.id("all-tasks")).getText(),
            text -> text.contains(title) && text.contains("web-worker"));
    screenshot("manager");
    logOut();

    logIn("web-worker");
    awaitHeading("My tasks");
    WebElement card = eventually().until(() -> openCard(title), c -> c != null);
    assertTrue(card.getText().contains("UBERPOP-7"), card.getText());
    assertTrue(card.getText().contains(money(fee)), card.getText());
    assertTrue(card.getText().contains(money(reward)), card.getText());
    screenshot("worker");
    card.findElement(By.xpath(".//button[normalize-space()='Complete']")).click();
    eventually()
        .until(
            () ->
                openCard(title) == null
                    && browser.findElement(By.id("done-tasks")).getText().contains(title));

    link("My account").click();
    awaitHeading("My account");
    eventually()
        .until(() -> browser.findElement(By.id("balance")).getText().equals(money(reward - fee)));
    List<WebElement> log = browser.findElements(By.cssSelector("#audit-log tbody tr"));
    assertEquals(2, log.size(), "the fee and the reward");
    assertTrue(log.get(0).getText().contains(money(reward)), log.get(0).getText());
    assertTrue(log.get(1).getText().contains(money(-fee)), log.get(1).getText());
    phoneScreenshot("worker-phone");
    logOut();

    logIn("web-accountant");
    awaitHeading("Accounts");
    WebElement row =
        eventually()
            .until(
                () -> browser.findElement(By.xpath("//table[@id='accounts']//tr[td='web-worker']")),
                r -> r.getText().contains(money(reward - fee)));
    screenshot("accountant");
    row.findElement(By.xpath(".//button")).click();
    eventually()
        .until(() -> browser.findElements(By.cssSelector("#audit-log tbody tr")).size() == 2);
    logOut();

    logIn("admin", TestInfra.ADMIN_PASSWORD);
    awaitHeading("Dashboard");
    eventually()
        .until(
            () ->
                browser.findElement(By.id("today-earnings")).getText().equals(money(fee - reward))
                    && browser.findElement(By.id("completed-today")).getText().equals("1")
                    && browser
                        .findElement(By.id("most-expensive-day"))
                        .getText()
                        .startsWith(title));
    screenshot("admin");
    logOut();
  }

  @Test
  @Order(2)
  void a_worker_gets_no_manager_accountant_or_admin_page() {
    logIn("web-worker");
    awaitHeading("My tasks");
    String nav = browser.findElement(By.id("nav")).getText();
    for (String page : List.of("All tasks", "New task", "Dashboard", "Accounts", "Users")) {
      assertFalse(nav.contains(page), page + " in " + nav);
    }
    for (String page : List.of("new-task", "tasks", "dashboard", "accounts", "billing", "users")) {
      browser.get(base + "/#/" + page);
      awaitHeading("Not available");
      assertTrue(
          browser.findElement(By.tagName("main")).getText().contains("you are worker"), page);
      assertTrue(browser.findElements(By.tagName("form")).isEmpty(), page);
      assertTrue(browser.findElements(By.tagName("table")).isEmpty(), page);
    }
    logOut();
  }

  @Test
  @Order(3)
  void a_title_that_looks_like_html_shows_as_text() {
    logIn("web-worker");
    awaitHeading("My tasks");
    // created while the worker looks at "My tasks": the page shows it without a reload
    String title = "<img src=x onerror=alert(1)>";
    Http.Response created =
        http.post(
            "/api/tasks",
            managerToken,
            "{\"title\":\"" + title + "\",\"description\":\"<b>bold</b>\"}");
    assertEquals(201, created.status(), created.body());
    WebElement card = eventually().until(() -> openCard(title), c -> c != null);
    assertEquals(title, card.findElement(By.tagName("h3")).getText());
    assertTrue(browser.findElements(By.cssSelector("main img")).isEmpty());
    assertThrows(NoAlertPresentException.class, () -> browser.switchTo().alert());
    logOut();

    logIn("web-manager");
    eventually()
        .until(
            () -> browser.findElements(By.cssSelector("#all-tasks tbody td:first-child")),
            cells -> cells.stream().anyMatch(c -> c.getText().equals(title)));
    assertTrue(browser.findElements(By.cssSelector("main img")).isEmpty());
    assertThrows(NoAlertPresentException.class, () -> browser.switchTo().alert());

    // every open task goes to a worker again (the only one), after a confirmation
    long open =
        browser.findElements(By.cssSelector("#all-tasks tbody tr td:nth-child(3)")).stream()
            .filter(td -> td.getText().equals("open"))
            .count();
    assertTrue(open >= 1);
    button("Shuffle").click();
    WebElement dialog =
        eventually().until(() -> browser.findElement(By.tagName("dialog")), d -> d.isDisplayed());
    assertTrue(dialog.getText().contains("Reassign every open task"), dialog.getText());
    dialog.findElement(By.xpath(".//button[normalize-space()='Shuffle tasks']")).click();
    String reassigned = open + (open == 1 ? " task" : " tasks") + " reassigned.";
    eventually().until(() -> statusText().equals(reassigned));
    logOut();
  }

  @Test
  @Order(4)
  void the_page_has_a_content_security_policy_and_no_inline_script() throws Exception {
    HttpResponse<String> page =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertTrue(csp.contains("script-src 'self'"), csp);
    assertFalse(csp.contains("unsafe-inline"), csp);
    assertFalse(page.body().matches("(?s).*<script(?![^>]*\\ssrc=)[^>]*>.*"), "inline script");
    assertFalse(page.body().contains("style="), "inline style");
    HttpResponse<String> script =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(base + "/app/app.js")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, script.statusCode());
    assertTrue(
        script.headers().firstValue("Content-Type").orElse("").contains("javascript"),
        script.headers().toString());
    assertFalse(script.body().contains("innerHTML"), "text goes in as text nodes");
  }

  // ---------------------------------------------------------------- a person at the browser

  /** Waits for the page: elements may be replaced while it refreshes itself. */
  private static ConditionFactory eventually() {
    return await().atMost(TIMEOUT).ignoreExceptions();
  }

  private void logIn(String login) {
    logIn(login, Http.passwordOf(login));
  }

  private void logIn(String login, String password) {
    browser.get(base + "/");
    ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
    browser.get(base + "/");
    eventually().until(() -> !browser.findElements(By.cssSelector("form.login")).isEmpty());
    field("Login").sendKeys(login);
    field("Password").sendKeys(password);
    button("Log in").click();
    eventually()
        .until(() -> browser.findElement(By.id("who")).getText().contains("(" + login + ")"));
  }

  private void logOut() {
    button("Log out").click();
    eventually().until(() -> field("Login").isDisplayed());
  }

  private void awaitHeading(String text) {
    eventually().until(() -> browser.findElement(By.tagName("h1")).getText().equals(text));
  }

  /** The input whose label reads {@code label}: it proves the label is tied to it. */
  private WebElement field(String label) {
    WebElement l = browser.findElement(By.xpath("//label[normalize-space()='" + label + "']"));
    return browser.findElement(By.id(l.getAttribute("for")));
  }

  private WebElement errorOf(String label) {
    String describedBy = field(label).getAttribute("aria-describedby");
    String errorId = describedBy.substring(describedBy.lastIndexOf(' ') + 1);
    return browser.findElement(By.id(errorId));
  }

  private WebElement button(String text) {
    return browser.findElement(By.xpath("//button[normalize-space()='" + text + "']"));
  }

  private WebElement link(String text) {
    return browser.findElement(By.linkText(text));
  }

  private String statusText() {
    return browser.findElement(By.cssSelector("main [role=status]")).getText();
  }

  private WebElement openCard(String title) {
    return browser.findElements(By.cssSelector("#open-tasks li")).stream()
        .filter(
            li ->
                li.findElements(By.tagName("h3")).stream().anyMatch(h -> h.getText().equals(title)))
        .findFirst()
        .orElse(null);
  }

  /** The task as the API shows it, once its read model has it. */
  private JsonNode onlyTaskTitled(String title) {
    return eventually()
        .until(
            () -> {
              List<JsonNode> found = new ArrayList<>();
              http.get("/api/tasks?assignee=all", adminToken)
                  .json()
                  .forEach(
                      t -> {
                        if (t.get("title").asText().equals(title)) found.add(t);
                      });
              assertTrue(found.size() <= 1, "one task titled " + title);
              return found.isEmpty() ? null : found.get(0);
            },
            t -> t != null);
  }

  /** Cents as the web app shows them: 12.34, or −12.34 with a minus sign. */
  private static String money(long cents) {
    return (cents < 0 ? "−" : "")
        + String.format(Locale.ROOT, "%d.%02d", Math.abs(cents) / 100, Math.abs(cents) % 100);
  }

  private void screenshot(String name) {
    Path file = SCREENSHOTS.resolve(name + ".png");
    try {
      Files.copy(
          ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
          file,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** On a phone-sized window: nothing wider than the screen, then a screenshot. */
  private void phoneScreenshot(String name) {
    Dimension desktop = browser.manage().window().getSize();
    browser.manage().window().setSize(new Dimension(390, 844));
    try {
      eventually()
          .until(
              () ->
                  (Boolean)
                      ((JavascriptExecutor) browser)
                          .executeScript(
                              "return document.documentElement.scrollWidth"
                                  + " <= document.documentElement.clientWidth"));
      screenshot(name);
    } finally {
      browser.manage().window().setSize(desktop);
    }
  }
}
