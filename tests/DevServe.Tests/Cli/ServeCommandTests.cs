using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace DevServe.Tests;

/// <summary><c>devserve new-site</c> then <c>devserve serve</c>, as README says: the default site answers on every page.</summary>
public sealed partial class ServeCommandTests
{
    private static readonly HttpClient s_client = new() { Timeout = TimeSpan.FromSeconds(60) };

    [GeneratedRegex("action=\"([^\"]+)\"")]
    private static partial Regex Action();

    private static async Task<int> RunToEndAsync(string workingDirectory, params string[] args)
    {
        await using var process = DevServeProcess.StartIn(workingDirectory, args);
        return await process.ExitCodeAsync(TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task A_new_site_serves_every_page_out_of_the_box()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, await RunToEndAsync(dir.Path, "new-site", "demo"));
        await using var devserve = DevServeProcess.StartIn(dir.Path, "serve", "--config", "demo/site.json", "-p", "0");
        var url = await devserve.UrlAsync();
        Assert.Contains("Serving the site of", devserve.Output);

        Assert.Contains("A DevServe site", await s_client.GetStringAsync(url + "/"));
        Assert.Contains("Hello, Web!", await s_client.GetStringAsync(url + "/servlets/hello.csx"));
        Assert.Contains("Servlet count: 1", await s_client.GetStringAsync(url + "/servlets/count.csx"));
        Assert.Contains("Servlet count: 2", await s_client.GetStringAsync(url + "/servlets/count.csx"));
        var first = Action().Match(await s_client.GetStringAsync(url + "/servlets/add.csx")).Groups[1].Value;
        var second = Action().Match(await (await s_client.PostAsync(url + first, new FormUrlEncodedContent([new("number", "1")]))).Content.ReadAsStringAsync()).Groups[1].Value;
        Assert.Contains("The answer is 3", await (await s_client.PostAsync(url + second, new FormUrlEncodedContent([new("number", "2")]))).Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, (await s_client.GetAsync(url + "/secret/")).StatusCode);
        using (var login = new HttpRequestMessage(HttpMethod.Get, url + "/secret/"))
        {
            login.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("aladdin:open sesame"u8));
            Assert.Contains("The secret page", await (await s_client.SendAsync(login)).Content.ReadAsStringAsync());
        }
        foreach (var (path, text) in new[] { ("/conf/refresh-servlets", "Servlets refreshed"), ("/conf/refresh-passwords", "Passwords refreshed"),
                     ("/conf/collect-garbage", "Garbage collected") })
        {
            Assert.Contains(text, await s_client.GetStringAsync(url + path));
        }
        var missing = await s_client.GetAsync(url + "/no/such/page");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("There is no such page on this site.", await missing.Content.ReadAsStringAsync());

        // The request log, in Racket's parenthesized format, beside site.json.
        var log = Path.Combine(dir.Path, "demo", "log");
        var watch = Stopwatch.StartNew();
        while (!(File.Exists(log) && File.ReadAllText(log).Contains("/no/such/page")) && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);   // the server's log writer runs in the background; bounded by the deadline
        }
        Assert.Contains("for \"/no/such/page\" at", File.ReadAllText(log));
    }

    [Fact]
    public async Task A_bad_config_or_a_used_directory_is_one_clear_line_and_exit_code_2()
    {
        using var dir = new TempDirectory();
        dir.Write("bad.json", "{\n  \"port\": 8000,\n  \"defaultHost\": { \"indexes\": [] }\n}\n");
        await using (var serve = DevServeProcess.StartIn(dir.Path, "serve", "-f", "bad.json"))
        {
            Assert.Equal(2, await serve.ExitCodeAsync(TimeSpan.FromMinutes(2)));
            Assert.Contains("bad.json:3:", serve.Errors);
            Assert.Contains("defaultHost.indexes", serve.Errors);
        }
        await using (var serve = DevServeProcess.StartIn(dir.Path, "serve"))
        {
            Assert.Equal(2, await serve.ExitCodeAsync(TimeSpan.FromMinutes(2)));
            Assert.Contains("site.json: no such file", serve.Errors);
        }
        await using (var again = DevServeProcess.StartIn(dir.Path, "new-site", "."))
        {
            Assert.Equal(2, await again.ExitCodeAsync(TimeSpan.FromMinutes(2)));
            Assert.Contains("is not empty", again.Errors);
        }
    }

    [Fact]
    public async Task A_site_names_its_node_and_keeps_its_stateless_links_where_site_json_says()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, await RunToEndAsync(dir.Path, "new-site", "demo"));
        var site = Path.Combine(dir.Path, "demo", "site.json");
        File.WriteAllText(site, File.ReadAllText(site).TrimStart().Insert(1, "\"nodeId\": \"n5\", \"stateless\": true, \"keyRing\": \"ring.json\", \"store\": \"urls\", "));
        await using var devserve = DevServeProcess.StartIn(dir.Path, "serve", "--config", "demo/site.json", "-p", "0");
        var url = await devserve.UrlAsync();
        var first = Action().Match(await s_client.GetStringAsync(url + "/servlets/add.csx")).Groups[1].Value;
        Assert.Contains(";c=", first, StringComparison.Ordinal);   // stateless, signed with the ring beside site.json
        Assert.True(File.Exists(Path.Combine(dir.Path, "demo", "ring.json")));
        var second = Action().Match(await (await s_client.PostAsync(url + first, new FormUrlEncodedContent([new("number", "1")]))).Content.ReadAsStringAsync()).Groups[1].Value;
        Assert.Contains("The answer is 3", await (await s_client.PostAsync(url + second, new FormUrlEncodedContent([new("number", "2")]))).Content.ReadAsStringAsync());

        // A node id changes nothing in stateless links; once the site is stateful, its k-urls name the node the
        // command line gives (over the file's n5).
        await using var stateful = DevServeProcess.StartIn(dir.Path, "serve", "--config", "demo/site.json", "-p", "0", "--node-id", "n6");
        var k = Action().Match(await s_client.GetStringAsync(await stateful.UrlAsync() + "/servlets/add.csx")).Groups[1].Value;
        Assert.Contains(";c=", k, StringComparison.Ordinal);
        File.WriteAllText(site, File.ReadAllText(site).Replace("\"stateless\": true, \"keyRing\": \"ring.json\", \"store\": \"urls\", ", "", StringComparison.Ordinal));
        await using var named = DevServeProcess.StartIn(dir.Path, "serve", "--config", "demo/site.json", "-p", "0", "--node-id", "n6");
        k = Action().Match(await s_client.GetStringAsync(await named.UrlAsync() + "/servlets/add.csx")).Groups[1].Value;
        Assert.Contains(";k=n6-", k, StringComparison.Ordinal);
    }
}
