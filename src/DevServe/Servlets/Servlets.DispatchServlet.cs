using System.Text.RegularExpressions;
using DevServe.Internal;

namespace DevServe;

public static partial class Servlets
{
    /// <summary>Serves the servlet <paramref name="start"/> (Racket: <c>dispatch/servlet</c>).</summary>
    /// <param name="start">Answers a request to the servlet that is not a continuation URL; may suspend with <see cref="Web"/>.</param>
    /// <param name="regexp">Which decoded paths belong to the servlet; <c>null</c> = every path.</param>
    /// <param name="stateless">Keep nothing per conversation: each continuation travels in its URL (<c>;c=…</c>) and resumes by replay.</param>
    /// <param name="stuffer">How a stateless continuation becomes URL text; <c>null</c> = <see cref="Stuffers.Default"/> (signed).</param>
    /// <param name="manager">Keeps the continuations; <c>null</c> = <see cref="ThresholdLruManager"/> with 64 MiB.</param>
    /// <param name="currentDirectory">What <see cref="Web.CurrentDirectory"/> returns; <c>null</c> = the process's directory now.</param>
    /// <param name="servletErrorResponder">The page for an exception escaping the servlet; <c>null</c> = 500 with the message and stack trace.</param>
    /// <returns>A dispatcher that passes on paths <paramref name="regexp"/> does not match.</returns>
    /// <remarks>
    /// A request that is not a k-url creates an instance and runs <paramref name="start"/> as a flow. A k-url resumes its
    /// flow (the first time) or replays it (after that); an unknown, expired or tampered one gets the manager's
    /// expiration page and runs nothing.
    /// </remarks>
    public static Dispatcher DispatchServlet(Func<Request, Task<Response>> start, Regex? regexp = null, bool stateless = false,
        IStuffer<byte[]>? stuffer = null, IManager? manager = null, string? currentDirectory = null,
        Func<Request, Exception, Response>? servletErrorResponder = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        var runtime = new ServletRuntime(start, manager ?? (stateless ? new NoneManager() : new ThresholdLruManager()),
            Path.GetFullPath(currentDirectory ?? Directory.GetCurrentDirectory()),
            servletErrorResponder ?? ServletRuntime.DefaultErrorPage, stateless ? stuffer ?? Stuffers.Default : null);
        if (regexp is null)
        {
            return request => Answer(runtime.HandleAsync(request));
        }
        return request => regexp.IsMatch(request.Path) ? Answer(runtime.HandleAsync(request)) : Dispatchers.NextDispatcher;
    }

    /// <inheritdoc cref="DispatchServlet(Func{Request, Task{Response}}, Regex?, bool, IStuffer{byte[]}?, IManager?, string?, Func{Request, Exception, Response}?)"/>
    public static Dispatcher DispatchServlet(Func<Request, Response> start, Regex? regexp = null, bool stateless = false,
        IStuffer<byte[]>? stuffer = null, IManager? manager = null, string? currentDirectory = null,
        Func<Request, Exception, Response>? servletErrorResponder = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        return DispatchServlet(r => Task.FromResult(start(r)), regexp, stateless, stuffer, manager, currentDirectory, servletErrorResponder);
    }

    private static ValueTask<Response?> Answer(Task<Response> pending)
        // Result only once completed: the synchronous servlet needs no async hop. Otherwise the task itself, not an
        // async method awaiting it: the server awaits it (with its timeout) without a second state machine.
        => pending.IsCompletedSuccessfully ? new ValueTask<Response?>(pending.Result) : new ValueTask<Response?>((Task<Response?>)(object)pending);   // the same type
}
