using System.Net;
using DevServe.Hosting;

namespace DevServe.Tests.Hardening;

/// <summary>Scripts that vanish or fail while they load: a clear page, the server goes on, the next save recovers.</summary>
public sealed class ScriptFaultTests
{
    [Fact]
    public async Task A_deleted_script_keeps_its_last_version_serving_and_a_new_file_is_picked_up()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("gone.csx", "Response Start(Request r) => Response.Text(\"one\");\n");
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(servlet.Dispatch);
        Assert.Equal("one", await server.Client.GetStringAsync("/"));
        File.Delete(path);
        var answer = await server.Client.GetAsync("/");
        Assert.True(answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{answer.StatusCode}");
        Assert.NotEqual(HttpStatusCode.InternalServerError, answer.StatusCode);
        // Written in place: a writer stalled between truncating and writing gets the empty file swapped in first.
        File.WriteAllText(path, "Response Start(Request r) => Response.Text(\"two\");\n");
        await servlet.ServedAsync(server, "two", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_throwing_static_initializer_gets_an_error_page_with_the_line_and_the_server_goes_on()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("static.csx", """
            static class Settings
            {
                public static readonly int Port = int.Parse("not a number");
            }

            Response Start(Request r) => Response.Text($"port {Settings.Port}");

            """);
        await using var servlet = new ScriptServlet(path, TestHosting.NoCache);
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Sequencer(
            Dispatchers.PathProcedure("/other", _ => Response.Text("other")), servlet.Dispatch));
        for (var i = 0; i < 2; i++)   // the type stays broken: every request gets the page, none hangs
        {
            var answer = await server.Client.GetAsync("/");
            var page = await answer.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.InternalServerError, answer.StatusCode);
            Assert.Contains("static.csx:line 3", page);
        }
        Assert.Equal("other", await server.Client.GetStringAsync("/other"));
        // Written in place: a writer stalled between truncating and writing gets the empty file swapped in first.
        File.WriteAllText(path, "Response Start(Request r) => Response.Text(\"fixed\");\n");
        await servlet.ServedAsync(server, "fixed", TimeSpan.FromSeconds(20));
    }
}
