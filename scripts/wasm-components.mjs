// Where a wasm module's code bytes go, by component, for docs/benchmarks.md:
// reads the code section and the name section of a build linked with
// --profiling-funcs (names kept, code as in release) and sums each function
// body's size into the first component whose pattern matches its demangled
// name. `node scripts/wasm-components.mjs file.wasm [--functions N]` prints a
// Markdown table (and the N largest functions, to check the attribution).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const URL_FUNCTIONS = /^wasmchat::({anon}::)?(append_percent_escape|ascii_lower|classify_host_char|dot_count|dotted_parts|ends_in_number|hex_value|in_encode_set|is_ascii_alpha|is_ascii_digit|is_slash|leading_scheme|parse_authority_onwards|parse_host|parse_ipv4_number|parse_ipv6|parse_path|parse_query_and_fragment|parse_relative|parse_url|percent_decoded|percent_encoded|punycode_encoded|resolve_websocket_url|serialize|syntax_error|without_ignored_code_points)$/;

/** The qualified name of a demangled function without template arguments, parameters or return type. */
function head(name) {
  let out = '';
  let depth = 0;
  // byn$mgfn-shared$: functions binaryen merged; they count where their first name belongs.
  for (const c of name.replace(/^byn\$mgfn-shared\$/, '').replace(/\(anonymous namespace\)/g, '{anon}').replace(/^decltype\(.*?\) /, '')) {
    if (c === '<') ++depth;
    else if (c === '>') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += c;
  }
  out = out.split('(')[0];
  return out.slice(out.lastIndexOf(' ') + 1);
}

// Components in table order; classify() says which one a function belongs to.
export const COMPONENTS = [
  'nlohmann/json: parser (lexer, DOM/callback/SAX parsers)',
  'nlohmann/json: serializer (dump)',
  'nlohmann/json: basic_json values (DOM)',
  'long double / soft-float (strtod, fmodl)',
  'printf family',
  'RTTI and exceptions ABI (__cxxabiv1)',
  'URL parser (src/websocket/url)',
  'WebSocket rules + transport (src/websocket)',
  'chat core (src/chat, src/browser)',
  'bindings (src/bindings)',
  'libc++ (containers, strings, std::function)',
  'allocator (emmalloc)',
  'libc (mem*, str*, misc)',
  'other',
];

const SOFT_FLOAT = /^(__[a-z]+tf[23]?|__[a-z]+tf[a-z]f2|__[a-z]+ti3|__(ashl|ashr|lshr)ti3|__floatscan|decfloat|hexfloat|scanexp|strtod|strtof|strtold|__strtod|scalbnl|frexpl|fmodl|copysignl)$/;
const PRINTF = /^(vsnprintf|snprintf|vfprintf|fprintf|printf|printf_core|fmt_[a-z]+|pop_arg|pad(\.\d+)?|out|getint|__towrite|__fwritex|sn_write|__stdio_write|__stdout_write|wctomb|wcrtomb|frexp|fmt_fp|vsniprintf|siprintf)$/;

/** Which component of COMPONENTS a function (demangled name) belongs to. */
export function classify(name) {
  const h = head(name);
  if (/^nlohmann::/.test(h)) {
    if (/::(parser|lexer|lexer_base|json_sax_dom_parser|json_sax_dom_callback_parser|json_sax_acceptor|input_stream_adapter|iterator_input_adapter|.*sax.*|parse_error|wide_string_input_adapter)::|::sax_parse|::parse$|::accept$/.test(h)) return COMPONENTS[0];
    if (/::(serializer|output_string_adapter|output_vector_adapter|dtoa_impl)::|::dump$|to_chars/.test(h)) return COMPONENTS[1];
    return COMPONENTS[2];
  }
  if (SOFT_FLOAT.test(h)) return COMPONENTS[3];
  if (PRINTF.test(h)) return COMPONENTS[4];
  if (/^__cxxabiv1::|^__dynamic_cast$|^is_equal$|^__cxa_|^std::(type_info|exception|bad_)/.test(h)) return COMPONENTS[5];
  if (URL_FUNCTIONS.test(h)) return COMPONENTS[6];
  if (/^wasmchat::(chat|browser|client)::/.test(h)) return COMPONENTS[8];
  if (/^wasmchat_(chat|js_chat)/.test(h) || /^{anon}::(report|reject|return_string|decode_protocols)$/.test(h)) return COMPONENTS[9];
  if (/^wasmchat_/.test(h) || /websocket_bindings/.test(name)) return COMPONENTS[9];
  if (/^wasmchat::/.test(h)) return COMPONENTS[7];
  if (/^(std::|operator new|operator delete)/.test(h)) {
    // Library templates instantiated for our types count where the type is.
    if (/nlohmann::/.test(name)) return COMPONENTS[2];
    if (/wasmchat::(chat|browser|client)::|wasmchat_chat/.test(name)) return COMPONENTS[8];
    if (/wasmchat::|wasmchat_/.test(name)) return COMPONENTS[7];
    return COMPONENTS[10];
  }
  if (/^(malloc|free|realloc|calloc|sbrk|emmalloc_.*|memalign|aligned_alloc|dlmalloc|dlfree|claim_more_memory|attempt_allocate|compute_free_list_bucket|link_to_free_list|unlink_from_free_list|create_memory_region|prepend_to_free_list|validate_memory_regions)$/.test(h)) return COMPONENTS[11];
  if (/^(__wrap_strtod|__wrap_snprintf|strtox(\.\d+)?|__intscan|__shgetc|__shlim|mem|str|__mem|__str|wmem|wcs|isw?|tolower|toupper|abort|__errno|__lock|__unlock|__ofl|__stdio|__lockfile|__unlockfile|emscripten_|_emscripten|__wasm|stackSave|stackRestore|stackAlloc|dynCall|__funcs_on_exit|__cxa_atexit|atexit|exit|_exit|__libc|__syscall|fflush|fwrite|fputs|puts|__fdopen|__overflow|fabs|floor|ceil|round|fmod|scalbn|copysign|__time|getentropy|__emscripten|_start|__main)/.test(h)) return COMPONENTS[12];
  return COMPONENTS[13];
}

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function name(bytes, at) {
  const [length, start] = leb(bytes, at);
  return [new TextDecoder().decode(bytes.subarray(start, start + length)), start + length];
}

/** { functions: [{ name, bytes }], codeBytes, totalBytes } of a wasm file. */
export function readFunctions(file) {
  const bytes = readFileSync(file);
  let at = 8;
  let imported = 0;
  const bodies = [];
  const names = new Map();
  let codeBytes = 0;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = leb(bytes, at + 1);
    const end = start + size;
    if (id === 2) {
      let [count, p] = leb(bytes, start);
      for (let i = 0; i < count; ++i) {
        [, p] = name(bytes, p);
        [, p] = name(bytes, p);
        const kind = bytes[p++];
        if (kind === 0) { [, p] = leb(bytes, p); ++imported; }
        else if (kind === 1) { p += 1; const flags = bytes[p++]; [, p] = leb(bytes, p); if (flags & 1) [, p] = leb(bytes, p); }
        else if (kind === 2) { const flags = bytes[p++]; [, p] = leb(bytes, p); if (flags & 1) [, p] = leb(bytes, p); }
        else if (kind === 3) p += 2;
        else if (kind === 4) { p += 1; [, p] = leb(bytes, p); }
      }
    } else if (id === 10) {
      codeBytes = size;
      let [count, p] = leb(bytes, start);
      for (let i = 0; i < count; ++i) {
        const [length, body] = leb(bytes, p);
        bodies.push(body + length - p);  // the size field belongs to the function too
        p = body + length;
      }
    } else if (id === 0) {
      const [section, p0] = name(bytes, start);
      if (section === 'name') {
        let p = p0;
        while (p < end) {
          const sub = bytes[p];
          const [subSize, subStart] = leb(bytes, p + 1);
          if (sub === 1) {
            let [count, q] = leb(bytes, subStart);
            for (let i = 0; i < count; ++i) {
              let index;
              let fn;
              [index, q] = leb(bytes, q);
              [fn, q] = name(bytes, q);
              names.set(index, fn);
            }
          }
          p = subStart + subSize;
        }
      }
    }
    at = end;
  }
  const raw = bodies.map((_, i) => names.get(imported + i) ?? `function ${imported + i}`);
  // Names may be mangled (Itanium ABI); demangle them all in one c++filt call.
  let demangled = raw;
  try {
    const tool = ['llvm-cxxfilt-14', 'c++filt'].find((t) => { try { execFileSync(t, ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } });
    if (tool) demangled = execFileSync(tool, { input: raw.join('\n'), maxBuffer: 1 << 28 }).toString().split('\n').slice(0, raw.length);
  } catch { /* keep the raw names */ }
  return { functions: bodies.map((b, i) => ({ name: demangled[i], bytes: b })), codeBytes, totalBytes: bytes.length };
}

export function components(file) {
  const { functions, codeBytes, totalBytes } = readFunctions(file);
  const sums = new Map(COMPONENTS.map((label) => [label, { bytes: 0, count: 0 }]));
  for (const fn of functions) {
    fn.component = classify(fn.name);
    const entry = sums.get(fn.component);
    entry.bytes += fn.bytes;
    entry.count += 1;
  }
  return { sums, functions, codeBytes, totalBytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  const top = process.argv.includes('--functions') ? Number(process.argv[process.argv.indexOf('--functions') + 1]) : 0;
  const { sums, functions, codeBytes, totalBytes } = components(file);
  console.log(`${file}: ${totalBytes} B in all, code section ${codeBytes} B, ${functions.length} functions\n`);
  console.log('| component | functions | code bytes | share of code |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [label, { bytes, count }] of sums) {
    if (count === 0) continue;
    console.log(`| ${label} | ${count} | ${bytes.toLocaleString('en')} | ${((100 * bytes) / codeBytes).toFixed(1)}% |`);
  }
  if (top > 0) {
    console.log('');
    for (const fn of [...functions].sort((a, b) => b.bytes - a.bytes).slice(0, top)) {
      console.log(`${String(fn.bytes).padStart(7)}  ${fn.component.padEnd(28).slice(0, 28)}  ${fn.name.slice(0, 160)}`);
    }
  }
}
