using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace Registry.Server.Observability;

/// <summary>The aggregated series of one instrument, keyed by label set, and its Prometheus rendering.</summary>
internal sealed class InstrumentSeries
{
    // Rendering reads _points (one entry per label text); recording goes through _byTags, which maps the raw tags to
    // the same Point without formatting, so the hot path allocates nothing once a series exists.
    private readonly ConcurrentDictionary<string, Point> _points = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<TagKey, Point> _byTags = new();
    private readonly double[] _buckets;
    private readonly Kind _kind;
    private readonly bool _cumulative;

    public InstrumentSeries(Instrument instrument, double[] buckets)
    {
        _buckets = buckets;
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        (_kind, _cumulative) = definition switch
        {
            _ when definition == typeof(Counter<>) => (Kind.Counter, true),
            _ when definition == typeof(ObservableCounter<>) => (Kind.Counter, false),
            _ when definition == typeof(UpDownCounter<>) => (Kind.Gauge, true),
            _ when definition == typeof(Histogram<>) => (Kind.Histogram, true),
            _ => (Kind.Gauge, false),
        };
        Name = MetricName(instrument, _kind);
        Help = instrument.Description ?? instrument.Name;
    }

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    public string Name { get; }

    public string Help { get; }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var point = Find(tags);
        lock (point)
        {
            if (_kind == Kind.Histogram)
            {
                point.Count++;
                point.Value += value;
                var index = Array.BinarySearch(_buckets, value);
                point.Buckets[index >= 0 ? index : ~index]++;
            }
            else if (_cumulative)
            {
                point.Value += value;
            }
            else
            {
                point.Value = value;
            }
        }
    }

    private Point Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = new TagKey(tags, tags.Length > 3 ? Labels(tags) : null);
        if (_byTags.TryGetValue(key, out var point))
        {
            return point;
        }

        point = _points.GetOrAdd(Labels(tags), static (_, buckets) => new Point(buckets.Length), _buckets);
        _byTags.TryAdd(key, point);
        return point;
    }

    public void Render(StringBuilder text)
    {
        if (_points.IsEmpty)
        {
            return;
        }

        text.Append("# HELP ").Append(Name).Append(' ').Append(Help.Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
        text.Append("# TYPE ").Append(Name).Append(' ').Append(_kind switch { Kind.Counter => "counter", Kind.Histogram => "histogram", _ => "gauge" }).Append('\n');
        foreach (var (labels, point) in _points.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            lock (point)
            {
                if (_kind != Kind.Histogram)
                {
                    Line(text, Name, labels, null, point.Value);
                    continue;
                }

                long cumulative = 0;
                for (var i = 0; i < _buckets.Length; i++)
                {
                    cumulative += point.Buckets[i];
                    Line(text, Name + "_bucket", labels, PrometheusExporter.FormatValue(_buckets[i]), cumulative);
                }

                Line(text, Name + "_bucket", labels, "+Inf", point.Count);
                Line(text, Name + "_sum", labels, null, point.Value);
                Line(text, Name + "_count", labels, null, point.Count);
            }
        }
    }

    private static void Line(StringBuilder text, string name, string labels, string? le, double value)
    {
        text.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            text.Append('{').Append(labels);
            if (le is not null)
            {
                text.Append(labels.Length > 0 ? "," : string.Empty).Append("le=\"").Append(le).Append('"');
            }

            text.Append('}');
        }

        text.Append(' ').Append(PrometheusExporter.FormatValue(value)).Append('\n');
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.IsEmpty)
        {
            return string.Empty;
        }

        var pairs = new string[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            pairs[i] = Sanitize(tags[i].Key) + "=\"" + PrometheusExporter.EscapeLabel(Convert.ToString(tags[i].Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty) + "\"";
        }

        Array.Sort(pairs, StringComparer.Ordinal);
        return string.Join(',', pairs);
    }

    private static string MetricName(Instrument instrument, Kind kind)
    {
        var name = Sanitize(instrument.Name);
        var suffix = instrument.Unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => string.Empty,
        };
        if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            name += suffix;
        }

        return kind == Kind.Counter ? name + "_total" : name;
    }

    private static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] != '_')
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    private sealed class Point(int buckets)
    {
        public double Value { get; set; }

        public long Count { get; set; }

        public long[] Buckets { get; } = new long[buckets + 1];
    }
}
