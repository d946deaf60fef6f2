namespace DevServe.Tests;

/// <summary>The configuration table: Racket's file format and defaults, the JSON form, round trips, bad files.</summary>
public sealed class WebConfigTests
{
    // Racket's default-web-root/configuration-table.rkt (docs/design/racket-reference.md §7).
    private const string RacketDefault = """
        ((port 80) (max-waiting 511) (initial-connection-timeout 30)
         (default-host-table (host-table (default-indices "index.html" "index.htm") (log-format parenthesized-default)
           (messages (servlet-message "servlet-error.html") (authentication-message "forbidden.html")
             (servlets-refreshed "servlet-refresh.html") (passwords-refreshed "passwords-refresh.html")
             (file-not-found-message "not-found.html") (protocol-message "protocol-error.html") (collect-garbage "collect-garbage.html"))
           (timeouts (default-servlet-timeout 30) (password-connection-timeout 300) (servlet-connection-timeout 86400)
             (file-per-byte-connection-timeout 1/20) (file-base-connection-timeout 30))
           (paths (configuration-root "conf") (host-root ".") (log-file-path "log") (file-root "htdocs")
             (servlet-root ".") (mime-types "mime.types") (password-authentication "passwords"))))
         (virtual-host-table))
        """;

    private static WebConfig Custom() => new()
    {
        Port = 8080,
        MaxWaiting = 64,
        InitialConnectionTimeout = 12.5,
        ListenIp = "127.0.0.1",
        DefaultHost = new HostTable { Indices = ["start.html"], LogFormat = LogFormat.Combined, Paths = new HostPaths { LogFile = null, FileRoot = "www" } },
        VirtualHosts =
        [
            new VirtualHost("example\\.com", new HostTable
            {
                LogFormat = LogFormat.ApacheDefault,
                Messages = new HostMessages { FileNotFound = "404.html" },
                Timeouts = new HostTimeouts { Password = 60, FilePerByte = 0.5 },
                Paths = new HostPaths { HostRoot = "example", Passwords = null, MimeTypes = "types" },
            }),
        ],
    };

    [Fact]
    public void Racket_default_table_reads_as_the_model_defaults_but_the_port()
    {
        var racket = WebConfig.Parse(RacketDefault, "configuration-table.rkt");
        Assert.Equal(80, racket.Port);
        Assert.Equal(511, racket.MaxWaiting);
        Assert.Equal(30, racket.InitialConnectionTimeout);
        Assert.Equal(["index.html", "index.htm"], racket.DefaultHost.Indices);
        Assert.Equal(LogFormat.ParenthesizedDefault, racket.DefaultHost.LogFormat);
        Assert.Equal(0.05, racket.DefaultHost.Timeouts.FilePerByte);   // Racket's 1/20
        Assert.Equal("passwords", racket.DefaultHost.Paths.Passwords);
        Assert.Empty(racket.VirtualHosts);
        Assert.Equal(new WebConfig().ToJson(), racket.ToJson());
    }

    [Fact]
    public void Missing_keys_keep_their_defaults_in_both_formats()
    {
        Assert.Equal(new WebConfig().ToJson(), WebConfig.Parse("()", "empty.rkt").ToJson());
        Assert.Equal(new WebConfig().ToJson(), WebConfig.Parse("{}", "empty.json").ToJson());
        var partial = WebConfig.Parse("""{ "port": 9000, "defaultHost": { "paths": { "fileRoot": "www" } } }""", "site.json");
        Assert.Equal(9000, partial.Port);
        Assert.Equal("www", partial.DefaultHost.Paths.FileRoot);
        Assert.Equal("conf", partial.DefaultHost.Paths.ConfigurationRoot);
        Assert.Equal(["index.html", "index.htm"], partial.DefaultHost.Indices);
    }

    [Fact]
    public void A_table_written_and_read_back_is_the_same_in_either_format()
    {
        var config = Custom();
        var table = config.ToConfigurationTable();
        var json = config.ToJson();
        Assert.Equal(json, WebConfig.Parse(table, "written.rkt").ToJson());
        Assert.Equal(json, WebConfig.Parse(json, "written.json").ToJson());
        Assert.Contains("(log-file-path #f)", table);
        Assert.Contains("(\"example\\\\.com\"", table);
    }

    [Fact]
    public void The_same_site_in_JSON_and_in_a_configuration_table_gives_the_same_config()
    {
        var fromTable = WebConfig.Parse("""
            ((port 8000)
             (default-host-table (host-table (default-indices "home.html") (paths (file-root "public") (log-file-path #f))))
             (virtual-host-table ("blog\\.local" (host-table (log-format combined) (paths (host-root "blog"))))))
            """, "site.rkt");
        var fromJson = WebConfig.Parse("""
            {
              "port": 8000,
              "defaultHost": { "indices": ["home.html"], "paths": { "fileRoot": "public", "logFile": null } },
              "virtualHosts": [ { "name": "blog\\.local", "host": { "logFormat": "combined", "paths": { "hostRoot": "blog" } } } ]
            }
            """, "site.json");
        Assert.Equal(fromTable.ToJson(), fromJson.ToJson());
    }

    [Theory]
    [InlineData("((port 80)\n (max-wating 511))", "site.rkt:2:2: max-wating: not a key of configuration table")]
    [InlineData("((port \"eighty\"))", "site.rkt:1:2: port: expected a number")]
    [InlineData("((default-host-table (host-table (paths (file-root htdocs)))))", "site.rkt:1:41: file-root: expected a string")]
    [InlineData("((default-host-table (host-table (log-format fancy))))", "site.rkt:1:34: log-format: expected parenthesized-default")]
    [InlineData("((port 80)", "site.rkt:1:11: missing ')'")]
    [InlineData("((port 70000))", "site.rkt: port: 70000 is not a port")]
    public void A_bad_configuration_table_is_one_error_naming_the_key_and_the_position(string text, string expected)
        => Assert.StartsWith(expected, Assert.Throws<WebConfigException>(() => WebConfig.Parse(text, "site.rkt")).Message);

    [Theory]
    [InlineData("{\n  \"port\": 80,\n  \"defaultHost\": { \"pahts\": {} }\n}", "site.json:3:", "defaultHost.pahts")]
    [InlineData("{ \"port\": \"eighty\" }", "site.json:1:", "port")]
    [InlineData("{ \"defaultHost\": { \"logFormat\": \"fancy\" } }", "site.json:1:", "defaultHost.logFormat")]
    [InlineData("{ \"port\": 80", "site.json:1:", "")]
    public void A_bad_JSON_file_is_one_error_naming_the_key_and_the_position(string text, string position, string key)
    {
        var message = Assert.Throws<WebConfigException>(() => WebConfig.Parse(text, "site.json")).Message;
        Assert.StartsWith(position, message);
        Assert.Contains(key, message);
    }

    [Fact]
    public void Load_resolves_from_the_file_and_reports_a_missing_file()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("sub/site.json", "{ \"port\": 0 }");
        Assert.Equal(Path.GetDirectoryName(path), WebConfig.Load(path).BaseDirectory);
        Assert.Contains("nothere.json", Assert.Throws<WebConfigException>(() => WebConfig.Load(Path.Combine(dir.Path, "nothere.json"))).Message);
    }

    [Theory]
    [InlineData("{\"nodeId\": \"a-b\"}", "nodeId")]
    [InlineData("{\"store\": \"urls\"}", "store")]
    [InlineData("{\"keyRing\": \"ring.json\"}", "keyRing")]
    [InlineData("{\"encryptLinks\": true}", "encryptLinks")]
    public void Cluster_settings_that_cannot_work_are_one_error_naming_the_key(string text, string key)
        => Assert.Contains($"site.json: {key}:", Assert.Throws<WebConfigException>(() => WebConfig.Parse(text, "site.json")).Message, StringComparison.Ordinal);

    [Fact]
    public void Cluster_settings_read_from_site_json()
    {
        var config = WebConfig.Parse("{\"nodeId\": \"n2\", \"stateless\": true, \"store\": \"redis://10.0.0.5:6379\", \"keyRing\": \"redis://10.0.0.5:6379\"}", "site.json");
        Assert.Equal(("n2", true, "redis://10.0.0.5:6379", "redis://10.0.0.5:6379"), (config.NodeId, config.Stateless, config.Store, config.KeyRing));
    }
}
