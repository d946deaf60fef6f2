using System.Runtime.CompilerServices;
using System.Text;

namespace DevServe.Hosting;

/// <summary>
/// The lines a servlet writes to the console (and DevServe's own, such as its one-line error report) while it serves
/// a request, kept for the tabs: the live-reload stream sends them to the browser's devtools console, each tagged with
/// its request (<c>[POST /add #12]</c>), as Phoenix streams its server logs. The terminal gets them as before.
/// </summary>
/// <remarks>
/// The console's writers are wrapped once (<see cref="Install"/>); a line belongs to the request whose flow wrote it
/// (a resumed flow runs in the context of its first request, so the flow's current request decides) or, outside a
/// flow, to the request being dispatched. Lines of no request stay in the terminal. The last
/// <see cref="Capacity"/> lines are kept, each shortened to 2,000 characters.
/// </remarks>
internal sealed class BrowserConsole
{
    /// <summary>How many lines are kept for tabs that connect later.</summary>
    public const int Capacity = 500;

    private const int MaxLine = 2000;
    private readonly ConditionalWeakTable<Request, string> _tags = [];
    private readonly Entry[] _ring = new Entry[Capacity];
    private long _sequence;
    private long _requests;
    private TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One line: its number (from 1), its request's tag, whether it went to standard error, and its text.</summary>
    public sealed record Entry(long Sequence, string Tag, bool Error, string Text);

    /// <summary>The number of the last line written (0 before the first).</summary>
    public long Sequence => Interlocked.Read(ref _sequence);

    /// <summary>Completes when the next line is written.</summary>
    public Task Written => Volatile.Read(ref _written).Task;

    /// <summary>Wraps the console's writers (once per process): the lines of requests are kept here too.</summary>
    public void Install()
    {
        // The console owns its writers from now on, for the rest of the process.
#pragma warning disable CA2000
        Console.SetOut(new Capture(Console.Out, this, error: false));
        Console.SetError(new Capture(Console.Error, this, error: true));
#pragma warning restore CA2000
    }

    /// <summary>The kept lines after <paramref name="after"/>, oldest first (lines older than the ring holds are gone).</summary>
    public IReadOnlyList<Entry> Since(long after)
    {
        var entries = new List<Entry>();
        lock (_ring)
        {
            // A number from a client (a reconnect, a page of an earlier server) is only a hint: kept within what is here.
            for (var n = Math.Max(Math.Clamp(after, 0, _sequence) + 1, _sequence - Capacity + 1); n <= _sequence; n++)
            {
                entries.Add(_ring[n % Capacity]);
            }
        }
        return entries;
    }

    private void Add(bool error, string line)
    {
        if (!Web.InServlet)
        {
            return;
        }
        var tag = _tags.GetValue(Web.CurrentRequest, request =>
            $"[{request.Method} {Shorten(request.Uri.PathAndQuery)} #{Interlocked.Increment(ref _requests)}]");
        lock (_ring)
        {
            _sequence++;
            _ring[_sequence % Capacity] = new Entry(_sequence, tag, error, line.Length > MaxLine ? line[..MaxLine] + "…" : line);
        }
        Interlocked.Exchange(ref _written, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private static string Shorten(string target) => target.Length > 80 ? target[..80] + "…" : target;

    // Passes everything on, and hands each whole line to the console (a line written in pieces is joined per writer).
    private sealed class Capture(TextWriter inner, BrowserConsole console, bool error) : TextWriter
    {
        private readonly StringBuilder _pending = new();

        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value) => Write(value.ToString());

        public override void Write(string? value)
        {
            if (value is null)
            {
                return;
            }
            inner.Write(value);
            lock (_pending)
            {
                foreach (var c in value)
                {
                    // A line ends at a newline; one that never ends (a progress bar redrawn with \r) is cut at MaxLine.
                    if (c == '\n' || _pending.Length >= MaxLine)
                    {
                        console.Add(error, _pending.ToString().TrimEnd('\r'));
                        _pending.Clear();
                    }
                    if (c != '\n')
                    {
                        _pending.Append(c);
                    }
                }
            }
        }

        public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

        public override void WriteLine(string? value) => Write((value ?? "") + "\n");

        public override void Flush() => inner.Flush();
    }
}
