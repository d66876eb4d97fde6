using PcapViz.Model;
using static PcapViz.Rendering.Html.PageModels;

namespace PcapViz.Rendering.Html;

/// <summary>The application-layer sections: server names (TLS, QUIC, HTTP), client fingerprints, certificates, HTTP requests.
/// Every text from the wire (names, headers, certificate fields) is attacker-controlled: made visible and escaped.</summary>
public sealed partial class HtmlReportExporter
{
    /// <summary>The first members of an address or name set, untrusted text made visible, with " …" when there are more.</summary>
    private static string SetList(BoundedSet set, int max = 5) =>
        string.Join(", ", set.Items.Take(max).Select(HtmlSafety.Visible)) + (set.Items.Count > max || !set.Complete ? " …" : "");

    private object ApplicationSection(ApplicationResult a, HtmlReportOptions options, string fullListHint)
    {
        int top = Math.Max(1, options.Top);
        static string V(string text) => HtmlSafety.Visible(text);
        static string List(BoundedSet set) => SetList(set);
        var limits = a.Limits.Where(l => l.Limit.Exceeded).Select(l =>
            $"{l.Name}: more than {N(l.Limit.MaxDistinct)} distinct entries, the least seen folded into \"other\" ({N(l.Limit.OtherPackets)})").ToList();
        return new
        {
            has_names = a.ServerNames.Count > 0,
            has_clients = a.TlsClients.Count > 0 || a.TlsServers.Count > 0,
            has_certificates = a.Certificates.Count > 0,
            has_http = a.HttpRequests.Count > 0,
            limit_note = limits.Count == 0 ? "" : "Limits reached — " + string.Join("; ", limits) + ".",
            flagged = a.Certificates.Where(c => c.Signals.Count > 0).Take(top).Select(c => new
            {
                subject = V(c.Subject.Length > 0 ? c.Subject : c.Sha256),
                signals = c.Signals.Select(s => new { name = s, explanation = CertificateSignals.Explain(s) }).ToArray(),
            }).ToArray(),
            server_names = Table("server-names", "Server names (TLS, QUIC, HTTP)",
                new[] { Col("#", numeric: true), Col("Server name", mono: true), Col("Source"), Col("Count", numeric: true),
                    Col("Clients", numeric: true), Col("Servers", numeric: true), Col("Server addresses", mono: true, optional: true) },
                a.ServerNames, (e, i) => Row(i < top, N(i + 1), V(e.ServerName), e.Source, N(e.Count), e.Clients.CountText, e.Servers.CountText, List(e.Servers)),
                null, "server names", fullListHint),
            tls_clients = Table("tls-clients", "Client fingerprints (JA4, JA3)",
                new[] { Col("#", numeric: true), Col("JA4", mono: true), Col("JA3", mono: true), Col("Hellos", numeric: true), Col("Clients", numeric: true),
                    Col("Server names (SNI)", mono: true), Col("ALPN", mono: true, optional: true), Col("Versions offered", optional: true) },
                a.TlsClients, (e, i) => Row(i < top, N(i + 1), e.Ja4, e.Ja3.Length > 0 ? e.Ja3 : "–", N(e.Hellos), e.Clients.CountText,
                    List(e.ServerNames), List(e.Alpn), string.Join(", ", e.Versions.Items)),
                null, "fingerprints", fullListHint),
            tls_servers = Table("tls-servers", "Server choices (ServerHello: version, cipher, JA3S)",
                new[] { Col("#", numeric: true), Col("JA3S", mono: true), Col("Version"), Col("Cipher", mono: true), Col("Hellos", numeric: true),
                    Col("Servers", numeric: true), Col("Server names (SNI)", mono: true, optional: true) },
                a.TlsServers, (e, i) => Row(i < top, N(i + 1), e.Ja3S, e.Version, e.Cipher, N(e.Hellos), e.Servers.CountText, List(e.ServerNames)),
                null, "server hellos", fullListHint),
            certificates = Table("certificates", "Certificates sent in the clear",
                new[] { Col("#", numeric: true), Col("Subject", mono: true), Col("Names (SAN)", mono: true), Col("Issuer", mono: true, optional: true),
                    Col("Valid from"), Col("Valid until"), Col("Signals"), Col("Seen", numeric: true), Col("SHA-256", mono: true, optional: true) },
                a.Certificates, (e, i) => Row(i < top, N(i + 1), V(e.Parsed ? e.Subject : "(not readable)"),
                    string.Join(", ", e.SubjectAltNames.Take(5).Select(V)) + (e.SubjectAltNames.Count > 5 ? " …" : ""), V(e.Issuer),
                    e.NotBeforeUtc, e.NotAfterUtc, string.Join(", ", e.Signals), N(e.Seen), e.Sha256),
                null, "certificates", fullListHint),
            http_requests = Table("http-requests", "HTTP requests",
                new[] { Col("#", numeric: true), Col("Host", mono: true), Col("Method", mono: true), Col("Path", mono: true), Col("User-Agent", mono: true, optional: true),
                    Col("Requests", numeric: true), Col("Status"), Col("Clients", numeric: true, optional: true) },
                a.HttpRequests, (e, i) => Row(i < top, N(i + 1), V(e.Host), V(e.Method), V(e.Path), V(e.UserAgent), N(e.Requests),
                    e.Statuses.Count == 0 ? "–" : Counts(e.Statuses), e.Clients.CountText),
                null, "requests", fullListHint),
        };
    }
}
