using System.Text.RegularExpressions;

namespace DevServe.Tests;

/// <summary>
/// Channels-style claims, in-process: composing dispatchers over synchronous work complete synchronously (no task,
/// no thread switch, no allocation of a state machine per request).
/// </summary>
/// <remarks>
/// A servlet's own code is the exception by design: it always runs on a servlet thread, so that a stuck servlet
/// never holds a thread that serves connections (docs/security.md). What a servlet dispatcher decides without running
/// servlet code (a path it does not serve, a k it does not know) is synchronous.
/// </remarks>
public sealed class SynchronousCompletionTests
{
    private static readonly Request s_a = TestRequests.Get(new Uri("http://localhost/a"));
    private static readonly Request s_b = TestRequests.Get(new Uri("http://localhost/b"));

    private static Dispatcher Say(string text) => Dispatchers.Lift(_ => Response.Text(text));

    private static Response? Completed(ValueTask<Response?> answer)
    {
        Assert.True(answer.IsCompletedSuccessfully, "the answer should be complete when the dispatcher returns");
        return answer.Result;
    }

    [Fact]
    public void Lift_of_a_synchronous_procedure_completes_synchronously()
        => Assert.Equal(200, Completed(Say("a")(s_a))!.Code);

    [Fact]
    public void Filter_completes_synchronously_whether_it_matches_or_passes()
    {
        var filter = Dispatchers.Filter(new Regex("^/a$"), Say("a"));
        Assert.NotNull(Completed(filter(s_a)));
        Assert.Null(Completed(filter(s_b)));
    }

    [Fact]
    public void Sequencer_of_synchronous_dispatchers_completes_synchronously()
    {
        var sequence = Dispatchers.Sequencer(Dispatchers.Filter(new Regex("^/a$"), Say("a")), Dispatchers.Filter(new Regex("^/b$"), Say("b")));
        Assert.NotNull(Completed(sequence(s_a)));
        Assert.NotNull(Completed(sequence(s_b)));
        Assert.Null(Completed(Dispatchers.Sequencer(Dispatchers.Filter(new Regex("^/c$"), Say("c")))(s_a)));
    }

    [Fact]
    public void A_synchronous_DispatchServlet_passes_and_expires_synchronously()
    {
        var servlet = Servlets.DispatchServlet(_ => Response.Text("servlet"), new Regex("^/a$"));
        Assert.Null(Completed(servlet(s_b)));
        var expired = Completed(servlet(TestRequests.Get(new Uri("http://localhost/a;k=1.2.3"))));
        Assert.Equal(404, expired!.Code);
    }
}
