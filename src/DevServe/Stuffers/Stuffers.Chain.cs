namespace DevServe;

public static partial class Stuffers
{
    /// <summary>Applies the stuffers in order on the way in, and in reverse on the way out (Racket: <c>stuffer-chain</c> without predicates).</summary>
    public static IStuffer<byte[]> Chain(params IStuffer<byte[]>[] stuffers)
    {
        ArgumentNullException.ThrowIfNull(stuffers);
        var all = (IStuffer<byte[]>[])stuffers.Clone();
        return new Of<byte[]>(value =>
        {
            foreach (var s in all)
            {
                value = s.In(value);
            }
            return value;
        }, (byte[] data, out byte[] value) =>
        {
            value = data;
            for (var i = all.Length - 1; i >= 0; i--)
            {
                if (!all[i].TryOut(value, out var next))
                {
                    value = [];
                    return false;
                }
                value = next;
            }
            return true;
        }, "chain");
    }

    /// <summary>Uses <paramref name="then"/> for values <paramref name="predicate"/> holds for, a tag byte saying which (Racket: <c>stuffer-if</c>).</summary>
    public static IStuffer<byte[]> If(Func<byte[], bool> predicate, IStuffer<byte[]> then)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        ArgumentNullException.ThrowIfNull(then);
        return new Of<byte[]>(value => predicate(value) ? [1, .. then.In(value)] : [0, .. value],
            (byte[] data, out byte[] value) =>
            {
                value = [];
                switch (data.Length > 0 ? data[0] : -1)
                {
                    case 0:
                        value = data[1..];
                        return true;
                    case 1 when then.TryOut(data[1..], out var inner):
                        value = inner;
                        return true;
                    default:
                        return false;
                }
            }, "if");
    }

    /// <summary>Whether bytes would make a URL longer than 2048 characters once base64-encoded into a path (Racket: <c>is-url-too-big?</c>).</summary>
    /// <remarks>Racket measures the whole URL; a path prefix of up to 256 characters is allowed for here.</remarks>
    public static bool IsUrlTooBig(byte[] value) => (value.Length * 4 + 2) / 3 + 256 > 2048;
}
