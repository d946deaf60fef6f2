using System.Net.Http;

namespace DevServe.Tests.Hardening;

/// <summary>Large uploads spool to disk and are deleted as soon as their request is answered, not when a finalizer runs.</summary>
public sealed class SpooledUploadTests
{
    private const int Size = 3 * 1024 * 1024 + 4321;

    private static string[] Spools() => Directory.GetFiles(Path.GetTempPath(), "devserve-upload-*");

    [Fact]
    public async Task A_spooled_upload_is_deleted_when_its_request_has_been_answered()
    {
        string[] during = [];
        UploadedFile? kept = null;
        var before = Spools();
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(request =>
        {
            kept = request.Bindings.Single(b => b.File is not null).File!;
            // Ours is the one of this odd length: other tests spool files of their own meanwhile.
            during = [.. Spools().Except(before).Where(f => new FileInfo(f) is { Exists: true, Length: Size })];
            return Response.Text($"{kept.IsSpooled} {kept.ReadAllBytes().Length}");
        }));
        using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[Size]), "upload", "big.bin" } };
        var answer = await server.Client.PostAsync("/", form);
        Assert.Equal($"True {Size}", await answer.Content.ReadAsStringAsync());
        Assert.NotEmpty(during);
        Assert.All(during, spool => Assert.False(File.Exists(spool), $"{spool} is still on disk"));
        var late = Assert.Throws<ObjectDisposedException>(() => kept!.ReadAllBytes());
        Assert.Contains("big.bin", late.Message);
    }

    [Fact]
    public async Task A_servlet_reads_its_upload_after_redirect_get_and_on_the_back_button()
    {
        await using var server = await LoopbackServer.StartAsync(Servlets.DispatchServlet(async _ =>
        {
            var post = await Web.SendSuspend(k => Response.Html($"<form action=\"{k}\" method=\"post\"></form>"));
            await Web.RedirectGet();   // answers the POST with 303 before the upload is read
            var file = post.Bindings.Single(b => b.File is not null).File!;
            return Response.Text($"{file.FileName} {file.ReadAllBytes().Length}");
        }));
        var page = await server.Client.GetStringAsync("/");
        var k = System.Text.RegularExpressions.Regex.Match(page, "action=\"([^\"]+)\"").Groups[1].Value;
        for (var i = 0; i < 2; i++)   // the second time is the back button: the flow replays the logged request
        {
            using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[2 * 1024 * 1024]), "upload", "big.bin" } };
            var answer = await server.Client.PostAsync(k, form);
            Assert.Equal("big.bin 2097152", await answer.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task A_form_refused_halfway_leaves_no_spooled_file()
    {
        var before = Spools();
        await using var server = await LoopbackServer.StartAsync(Dispatchers.Lift(_ => Response.Text("never")),
            limits: new SafetyLimits { MaxFormDataFiles = 1 });
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(new byte[2 * 1024 * 1024]), "first", "first.bin" },
            { new ByteArrayContent(new byte[10]), "second", "second.bin" },
        };
        var answer = await server.Client.PostAsync("/", form);
        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
        Assert.DoesNotContain(Spools().Except(before), File.Exists);
    }
}
