using System.Net;

namespace DevServe.Tests;

/// <summary><c>#r "nuget: …"</c> through <c>devserve run</c>: restored with the machine's NuGet configuration, then used.</summary>
public sealed class NuGetReferenceTests
{
    private static readonly HttpClient s_client = new(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(120) };

    [Fact]
    public async Task The_sqlite_notes_example_restores_its_package_and_keeps_notes()
    {
        using var dir = new TempDirectory();
        var script = Path.Combine(dir.Path, "sqlite-notes.csx");
        File.Copy(Path.Combine(ExampleServlets.Directory, "sqlite-notes.csx"), script);
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser", "--no-quit");
        var url = await devserve.UrlAsync();
        var post = await s_client.PostAsync(url + "/", new FormUrlEncodedContent([new("text", "buy <milk>")]));
        Assert.True(post.StatusCode == HttpStatusCode.SeeOther, $"{post.StatusCode}: {await post.Content.ReadAsStringAsync()}");
        var page = await s_client.GetStringAsync(url + "/");
        Assert.Contains("<li>buy &lt;milk&gt;</li>", page);
        Assert.True(File.Exists(Path.Combine(dir.Path, "notes.db")));
    }

    [Fact]
    public async Task A_package_that_cannot_be_restored_gets_an_error_page_naming_it()
    {
        using var dir = new TempDirectory();
        var script = dir.Write("bad.csx", "// a package nobody published\n#r \"nuget: DevServe.No.Such.Package, 1.0.0\"\n"
            + "Response Start(Request request) => Response.Text(\"unreachable\");\n");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        var response = await s_client.GetAsync(url + "/");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("bad.csx:2:1", page);
        Assert.Contains("DevServe.No.Such.Package 1.0.0 could not be restored", page);
        Assert.Contains("NU1101", page);
    }

    [Fact]
    public async Task A_package_version_fixed_in_a_loaded_file_is_picked_up_on_save()
    {
        using var dir = new TempDirectory();
        var lib = dir.Write("lib.csx", "#r \"nuget: Microsoft.Data.Sqlite, 999.0.0\"\nstatic string Version() => typeof(Microsoft.Data.Sqlite.SqliteConnection).Assembly.GetName().Version!.ToString();\n");
        var script = dir.Write("main.csx", "#load \"lib.csx\"\nResponse Start(Request request) => Response.Text(\"sqlite \" + Version());\n");
        await using var devserve = DevServeProcess.Start("run", script, "--port", "0", "--no-browser");
        var url = await devserve.UrlAsync();
        var response = await s_client.GetAsync(url + "/");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("NU1102", await response.Content.ReadAsStringAsync());

        // The fix goes into the loaded file, not the script: that file is watched too.
        File.WriteAllText(lib + ".tmp~", File.ReadAllText(lib).Replace("999.0.0", "10.0.15", StringComparison.Ordinal));
        File.Move(lib + ".tmp~", lib, overwrite: true);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        string page;
        do
        {
            await Task.Delay(100);   // polling another process's page, bounded by the deadline
            page = await (await s_client.GetAsync(url + "/")).Content.ReadAsStringAsync();
        }
        while (!page.StartsWith("sqlite 10.", StringComparison.Ordinal) && DateTime.UtcNow < deadline);
        Assert.StartsWith("sqlite 10.", page);
    }
}
