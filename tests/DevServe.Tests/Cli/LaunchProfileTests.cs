using System.Net;

namespace DevServe.Tests;

/// <summary><c>launchSettings.json</c> read as <c>dotnet run</c> reads it: arguments, URL, browser, environment.</summary>
public sealed class LaunchProfileTests
{
    private static readonly HttpClient s_client = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static TempDirectory Site()
    {
        var dir = new TempDirectory();
        dir.Write("app.csx", "Response Start(Request request) => Response.Text(Environment.GetEnvironmentVariable(\"GREETING\") ?? \"none\");\n");
        dir.Write("launchSettings.json", """
            {
              "profiles": {
                "iis": { "commandName": "IISExpress" },
                "greet": {
                  "commandName": "Project",
                  "commandLineArgs": "run app.csx --servlet-path /app",
                  "applicationUrl": "http://127.0.0.1:0;https://127.0.0.1:0",
                  "launchBrowser": false,
                  "environmentVariables": { "GREETING": "bonjour" }
                },
                "other": {
                  "commandName": "Project",
                  "commandLineArgs": "run app.csx",
                  "applicationUrl": "http://localhost:0",
                  "launchBrowser": false,
                  "environmentVariables": { "GREETING": "hallo" }
                }
              }
            }
            """);
        return dir;
    }

    [Fact]
    public async Task The_profile_naming_the_servlet_applies_its_arguments_url_and_environment()
    {
        using var dir = Site();
        await using var devserve = DevServeProcess.Start("run", Path.Combine(dir.Path, "app.csx"));   // no --port: the profile's URL says 0
        var url = await devserve.UrlAsync();
        Assert.Contains("(profile \"greet\")", devserve.Output);
        Assert.Equal("bonjour", await s_client.GetStringAsync(url + "/app"));
        Assert.Equal(HttpStatusCode.NotFound, (await s_client.GetAsync(url + "/elsewhere")).StatusCode);   // --servlet-path /app
    }

    [Fact]
    public async Task A_named_profile_gives_the_servlet_and_the_command_line_wins_over_it()
    {
        using var dir = Site();
        await using var devserve = DevServeProcess.StartIn(dir.Path, "run", "--launch-profile", "other", "--servlet-path", "/mine");
        var url = await devserve.UrlAsync();
        Assert.Equal("hallo", await s_client.GetStringAsync(url + "/mine"));
        Assert.Equal(HttpStatusCode.NotFound, (await s_client.GetAsync(url + "/")).StatusCode);
    }

    [Fact]
    public async Task An_apps_own_run_json_gives_its_url_and_environment_and_leaves_its_app_arguments_to_dotnet_run()
    {
        using var dir = new TempDirectory();
        var app = dir.Write("app.cs", "#!/usr/bin/env devserve\nusing DevServe;\n"
            + "static Response Start(Request request) => Response.Text(Environment.GetEnvironmentVariable(\"GREETING\") ?? \"none\");\n");
        dir.Write("app.run.json", """
            {
              "profiles": {
                "dev": {
                  "commandName": "Project",
                  "commandLineArgs": "8000 --verbose",
                  "applicationUrl": "http://127.0.0.1:0",
                  "launchBrowser": false,
                  "environmentVariables": { "GREETING": "ciao" }
                }
              }
            }
            """);
        // As a shebang line runs it: devserve app.cs, no "run", no --port (the profile's URL says 0).
        await using var devserve = DevServeProcess.Start(app);
        var url = await devserve.UrlAsync();
        Assert.Contains("app.run.json (profile \"dev\")", devserve.Output);
        Assert.Equal("ciao", await s_client.GetStringAsync(url + "/"));
    }

    [Fact]
    public async Task No_launch_profile_ignores_the_file_and_a_missing_profile_is_one_clear_line()
    {
        using var dir = Site();
        await using (var devserve = DevServeProcess.Start("run", Path.Combine(dir.Path, "app.csx"), "--no-launch-profile", "--port", "0", "--no-browser"))
        {
            var url = await devserve.UrlAsync();
            Assert.Equal("none", await s_client.GetStringAsync(url + "/app"));
            Assert.DoesNotContain("launch settings", devserve.Output);
        }
        await using (var devserve = DevServeProcess.StartIn(dir.Path, "run", "--launch-profile", "iis"))
        {
            Assert.Equal(2, await devserve.ExitCodeAsync(TimeSpan.FromSeconds(120)));
            Assert.Contains("no profile \"iis\" (there are: greet, other)", devserve.Errors);
        }
    }
}
