using System.Runtime.CompilerServices;

namespace DevServe.Tests;

/// <summary>Hands out objects a flow can hold, and tells how many are still alive after full collections.</summary>
public sealed class WeakTracker
{
    private readonly List<WeakReference> _references = [];

    [MethodImpl(MethodImplOptions.NoInlining)]   // no stack slot of the caller keeps the object
    public object Track()
    {
        var marker = new object();
        lock (_references)
        {
            _references.Add(new WeakReference(marker));
        }
        return marker;
    }

    /// <summary>Tracks <paramref name="target"/>, made elsewhere.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Track(object target)
    {
        lock (_references)
        {
            _references.Add(new WeakReference(target));
        }
    }

    /// <summary>How many tracked objects survive, collecting until at most <paramref name="expected"/> do (10 tries).</summary>
    public int AliveAfterCollecting(int expected = 0)
    {
        for (var i = 0; i < 10 && Alive > expected; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return Alive;
    }

    private int Alive
    {
        get
        {
            lock (_references)
            {
                return _references.Count(r => r.IsAlive);
            }
        }
    }
}
