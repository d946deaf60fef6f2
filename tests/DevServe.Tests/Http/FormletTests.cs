using System.Net;
using static DevServe.Formlets;
using static DevServe.Web;
using static DevServe.Xexpr;

namespace DevServe.Tests;

/// <summary>Formlets: typed form pieces combined with LINQ, shown and read back over real HTTP; bad input gets a 400.</summary>
public sealed class FormletTests
{
    private sealed record Entry(string Title, string Body, int Stars, bool Public, string Color);

    private static readonly Formlet<Entry> s_entry =
        from title in InputString(("size", 40)).Wrap(x => P("Title: ", x))
        from body in TextareaInput()
        from stars in InputInt()
        from isPublic in Checkbox(isChecked: true)
        from color in SelectInput(["red", "green"], c => c.ToUpperInvariant())
        select new Entry(title, body, stars, isPublic, color);

    [Fact]
    public async Task A_formlet_shows_its_inputs_named_in_order()
    {
        var form = Form(("method", "post"), s_entry.Display());
        using var html = new MemoryStream();
        await Response.Xexpr(form).Output(html);
        Assert.Equal("<form method=\"post\"><p>Title: <input type=\"text\" name=\"input_0\" size=\"40\" /></p>"
            + "<textarea name=\"input_1\"></textarea><input type=\"number\" name=\"input_2\" />"
            + "<input type=\"checkbox\" name=\"input_3\" value=\"on\" checked=\"checked\" />"
            + "<select name=\"input_4\"><option value=\"0\">RED</option><option value=\"1\">GREEN</option></select></form>",
            System.Text.Encoding.UTF8.GetString(html.ToArray()));
    }

    private static async Task<LoopbackServer> ServeAsync() => await LoopbackServer.StartAsync(Servlets.DispatchServlet(_ => SendSuspendDispatch(embed =>
        Response.Xexpr(Html(Body(Form(("action", embed(r => Response.Text(s_entry.Process(r).ToString()))), ("method", "post"),
            s_entry.Display(), Input(("type", "submit")))))))));

    [Fact]
    public async Task A_submitted_form_is_read_back_as_a_typed_value()
    {
        await using var server = await ServeAsync();
        var action = Browser.FirstLink((await server.Client.GetStringAsync("/")).Replace("action=", "href=", StringComparison.Ordinal));
        var answer = await server.Client.PostAsync(action, ("input_0", "Hello <you>"), ("input_1", "Body"), ("input_2", "4"), ("input_4", "1"));
        Assert.Equal("Entry { Title = Hello <you>, Body = Body, Stars = 4, Public = False, Color = green }", answer);
    }

    [Theory]
    [InlineData("input_2", "four", "\"four\" is not a whole number.")]
    [InlineData("input_4", "7", "\"7\" is not one of the choices.")]
    [InlineData("input_4", "-1", "\"-1\" is not one of the choices.")]
    [InlineData("input_0", null, "The form did not send its field \"input_0\".")]
    public async Task A_missing_or_malformed_field_gets_a_400_that_says_which(string field, string? value, string message)
    {
        await using var server = await ServeAsync();
        var action = Browser.FirstLink((await server.Client.GetStringAsync("/")).Replace("action=", "href=", StringComparison.Ordinal));
        var fields = new Dictionary<string, string> { ["input_0"] = "t", ["input_1"] = "b", ["input_2"] = "1", ["input_4"] = "0" };
        if (value is null)
        {
            fields.Remove(field);
        }
        else
        {
            fields[field] = value;
        }
        var response = await server.Client.PostAsync(action, new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(WebUtility.HtmlEncode(message), await response.Content.ReadAsStringAsync());
    }
}
