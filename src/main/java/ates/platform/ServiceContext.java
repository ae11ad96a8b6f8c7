package ates.platform;

import akka.actor.typed.ActorSystem;
import ates.platform.db.ServiceDatabase;
import ates.platform.http.JwtService;
import ates.platform.kafka.KafkaPlatform;
import com.typesafe.config.Config;
import java.time.Duration;

/** What the platform hands a service when it starts it. */
public record ServiceContext(
    ActorSystem<?> system,
    ServiceDatabase database,
    KafkaPlatform kafka,
    JwtService jwt,
    Metrics metrics,
    Duration askTimeout,
    boolean embeddedDefault) {

  public Config config() {
    return system.settings().config();
  }

  /** The journal, snapshot and read-journal plugin ids of the service's own database. */
  public String journalPluginId() {
    return "ates." + database.service() + ".journal";
  }

  public String snapshotPluginId() {
    return "ates." + database.service() + ".snapshot";
  }

  public String readJournalPluginId() {
    return "ates." + database.service() + ".query";
  }
}
