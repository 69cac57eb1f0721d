/// The parsed template: Go's parse tree, reduced to what the docker CLI's templates use.
indirect enum TemplateNode {
    case text(String)
    case action(Pipeline)
    case ifNode(Pipeline, [TemplateNode], [TemplateNode]?)
    case rangeNode(Pipeline, [TemplateNode], [TemplateNode]?)
    case withNode(Pipeline, [TemplateNode], [TemplateNode]?)
    case breakNode, continueNode
}

struct Pipeline {
    var pos: Int
    /// `$x := ...` / `$k, $v := ...`.
    var declare: [String] = []
    var isAssign = false
    var commands: [CommandNode] = []
}

struct CommandNode {
    var pos: Int
    var args: [ArgNode] = []
}

indirect enum ArgNode {
    case field([String], pos: Int)               // .A.B ([] is dot)
    case variable(String, [String], pos: Int)     // $x.A.B
    case function(String, pos: Int)
    case pipeline(Pipeline, fields: [String])      // (pipeline).A
    case string(String)
    case number(String, pos: Int)
    case bool(Bool)
    case nilValue

    var fieldDescription: String {
        switch self {
        case .field(let f, _): return f.isEmpty ? "." : "." + f.joined(separator: ".")
        case .variable(let v, let f, _): return "$" + v + (f.isEmpty ? "" : "." + f.joined(separator: "."))
        case .function(let n, _): return n
        case .pipeline: return "(...)"
        case .string(let s): return "\"" + s + "\""
        case .number(let n, _): return n
        case .bool(let b): return String(b)
        case .nilValue: return "nil"
        }
    }
}

/// Recursive-descent parser over the lexer's tokens.
struct TemplateParser {
    private var tokens: [PositionedToken]
    private var p = 0
    private let lexer: Lexer
    let functions: Set<String>

    init(_ text: String, functions: Set<String>) throws(TemplateError) {
        tokens = try Lexer.tokenize(text)
        lexer = Lexer(text)
        self.functions = functions
    }

    static func parse(_ text: String, functions: Set<String>) throws(TemplateError) -> [TemplateNode] {
        var parser = try TemplateParser(text, functions: functions)
        let (nodes, end) = try parser.parseList(inRange: false)
        if let end { throw parser.error("unexpected {{\(end)}}", at: parser.tokens[parser.p].pos) }
        return nodes
    }

    private func error(_ m: String, at pos: Int) -> TemplateError {
        TemplateError("template: :\(lexer.lineOf(pos)): \(m)")
    }

    private var current: Token { tokens[p].token }

    private mutating func skipSpaces() { while case .space = current { p += 1 } }

    private mutating func next() -> PositionedToken {
        let t = tokens[p]
        if p < tokens.count - 1 { p += 1 }
        return t
    }

    /// Nodes until `{{end}}`/`{{else}}` (returned as the terminator) or the end of input.
    private mutating func parseList(inRange: Bool) throws(TemplateError) -> ([TemplateNode], String?) {
        var nodes: [TemplateNode] = []
        while true {
            let t = next()
            switch t.token {
            case .eof:
                return (nodes, nil)
            case .text(let s):
                nodes.append(.text(s))
            case .leftDelim:
                skipSpaces()
                if case .identifier(let kw) = current {
                    switch kw {
                    case "end":
                        p += 1
                        try expectRightDelim("end")
                        return (nodes, "end")
                    case "else":
                        p += 1
                        skipSpaces()
                        return (nodes, "else")
                    case "if", "range", "with":
                        p += 1
                        nodes.append(try parseControl(kw, pos: t.pos, inRange: inRange))
                        continue
                    case "break", "continue":
                        guard inRange else { throw error("{{\(kw)}} outside {{range}}", at: t.pos) }
                        p += 1
                        try expectRightDelim(kw)
                        nodes.append(kw == "break" ? .breakNode : .continueNode)
                        continue
                    case "define", "template", "block":
                        throw error("{{\(kw)}} is not supported", at: t.pos)
                    default: break
                    }
                }
                let pipe = try parsePipeline(context: "command", pos: t.pos, allowDecl: true)
                nodes.append(.action(pipe))
            default:
                throw error("unexpected token", at: t.pos)
            }
        }
    }

    private mutating func expectRightDelim(_ context: String) throws(TemplateError) {
        skipSpaces()
        let t = next()
        guard case .rightDelim = t.token else { throw error("unexpected token in \(context)", at: t.pos) }
    }

    private mutating func parseControl(_ kw: String, pos: Int, inRange: Bool) throws(TemplateError) -> TemplateNode {
        let pipe = try parsePipeline(context: kw, pos: pos, allowDecl: true)
        let (body, end) = try parseList(inRange: inRange || kw == "range")
        var elseBody: [TemplateNode]?
        switch end {
        case nil:
            throw error("unexpected EOF", at: tokens[p].pos)
        case "else":
            // `{{else if ...}}` / `{{else with ...}}` chain into one node with a single {{end}}.
            if case .identifier(let k) = current, (k == "if" && kw == "if") || (k == "with" && kw == "with") {
                p += 1
                elseBody = [try parseControl(k, pos: tokens[p].pos, inRange: inRange)]
            } else {
                try expectRightDelim("else")
                let (e, end2) = try parseList(inRange: inRange)
                guard end2 == "end" else { throw error("expected end; found \(end2 ?? "EOF")", at: tokens[p].pos) }
                elseBody = e
            }
        default: break
        }
        switch kw {
        case "if": return .ifNode(pipe, body, elseBody)
        case "range": return .rangeNode(pipe, body, elseBody)
        default: return .withNode(pipe, body, elseBody)
        }
    }

    /// `[$x :=] cmd | cmd ...` up to `}}` (or `)` inside parentheses).
    private mutating func parsePipeline(context: String, pos: Int, allowDecl: Bool, inParens: Bool = false) throws(TemplateError) -> Pipeline {
        var pipe = Pipeline(pos: pos)
        skipSpaces()
        if allowDecl, case .variable = current {
            // Look ahead for := or = (possibly `$k, $v :=`).
            let save = p
            var names: [String] = []
            while case .variable(let v) = current {
                names.append(v)
                p += 1
                skipSpaces()
                if case .comma = current { p += 1; skipSpaces(); continue }
                break
            }
            if case .declare = current {
                p += 1
                pipe.declare = names
            } else if case .assign = current {
                p += 1
                pipe.declare = names
                pipe.isAssign = true
            } else {
                p = save
            }
        }
        while true {
            skipSpaces()
            switch current {
            case .rightDelim:
                if inParens { throw error("unclosed left paren", at: tokens[p].pos) }
                p += 1
                if pipe.commands.isEmpty { throw error("missing value for \(context)", at: pos) }
                return pipe
            case .rightParen:
                guard inParens else { throw error("unexpected right paren", at: tokens[p].pos) }
                p += 1
                if pipe.commands.isEmpty { throw error("missing value for parenthesized pipeline", at: pos) }
                return pipe
            case .pipe:
                guard !pipe.commands.isEmpty else { throw error("missing command before |", at: tokens[p].pos) }
                p += 1
            case .eof:
                throw error("unclosed action", at: pos)
            default:
                pipe.commands.append(try parseCommand())
            }
        }
    }

    private mutating func parseCommand() throws(TemplateError) -> CommandNode {
        var cmd = CommandNode(pos: tokens[p].pos)
        while true {
            skipSpaces()
            switch current {
            case .rightDelim, .rightParen, .pipe, .eof:
                if cmd.args.isEmpty { throw error("empty command", at: cmd.pos) }
                return cmd
            default:
                cmd.args.append(try parseOperand())
            }
        }
    }

    private mutating func parseOperand() throws(TemplateError) -> ArgNode {
        let t = next()
        var node: ArgNode
        switch t.token {
        case .field(let f):
            node = .field(f.isEmpty ? [] : [f], pos: t.pos)
        case .variable(let v):
            node = .variable(v, [], pos: t.pos)
        case .identifier(let name):
            guard functions.contains(name) else { throw error("function \"\(name)\" not defined", at: t.pos) }
            node = .function(name, pos: t.pos)
        case .string(let s): node = .string(s)
        case .number(let n): node = .number(n, pos: t.pos)
        case .char(let c): node = .number(String(c), pos: t.pos)
        case .bool(let b): node = .bool(b)
        case .nilValue: node = .nilValue
        case .leftParen:
            let inner = try parsePipeline(context: "parenthesized pipeline", pos: t.pos, allowDecl: false, inParens: true)
            node = .pipeline(inner, fields: [])
        default:
            throw error("unexpected \(describe(t.token)) in operand", at: t.pos)
        }
        // Field chains right after the operand: .A.B, $x.A, (pipe).A
        var chainPos: Int?
        while case .field(let f) = current, !f.isEmpty {
            p += 1
            // Go reports a chain at the position of its first chained element (newChain's pos).
            let pos = chainPos ?? tokens[p - 1].pos
            chainPos = pos
            switch node {
            case .field(let fs, _): node = .field(fs + [f], pos: pos)
            case .variable(let v, let fs, _): node = .variable(v, fs + [f], pos: pos)
            case .pipeline(let pl, let fs): node = .pipeline(pl, fields: fs + [f])
            default: throw error("unexpected . after term", at: tokens[p - 1].pos)
            }
        }
        return node
    }

    private func describe(_ t: Token) -> String {
        switch t {
        case .rightDelim: return "\"}}\""
        case .comma: return "\",\""
        case .assign: return "\"=\""
        case .declare: return "\":=\""
        default: return "token"
        }
    }
}
