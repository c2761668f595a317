//! The bytes behind a ViewState's MAC, as a tree, with the attack gadgets named.
//!
//! [`osf`] reads the bytes behind a ViewState's MAC into a typed tree: every token of
//! `ObjectStateFormatter` (primitives, `Pair`, `Triplet`, `ArrayList`, `Hashtable`,
//! `HybridDictionary`, typed, string and sparse arrays, `Type`, enums, `Unit`, `Color`,
//! `IndexedString` with its 255-slot table, `TypeConverter` strings, `EventValidationStore`,
//! `BinarySerialized`), and writes it back to the same bytes, so a value can be changed and
//! signed again with [`AppKeys`]. [`PageState`] names the page persister's
//! layout (`Pair(Pair(type hash, control tree), control state)`, each control's `StateBag`), and
//! [`nrbf`] walks the `BinaryFormatter` streams inside (token 50), never
//! deserializing them, listing libraries, classes, members and strings, and naming the
//! ysoserial.net gadget families among them ([`gadgets`]), nested streams
//! included. Every reader is bounded (depth, counts, sizes) and reports garbage with its offset.
//!
//! A real page (the Blacklist3r README's, a Framework45 ViewState), verified and decrypted with
//! its keys:
//!
//! ```text
//! $ machinekey viewstate decode --mode framework45 --validation SHA1 --decryption AES \
//!     --validation-key C551753B...F5ED45 --decryption-key F6722806...94808E4A6C0B2F2 \
//!     --path /Content/default.aspx --tree "Ve3mZjZwbMRyGTts1EV0F7Hp..."
//! MAC verified
//! page state (HiddenFieldPageStatePersister)
//!   page type hash: -921640512
//!   view state: page
//!     state bag:
//!       test: String "test"
//!     child 3: control
//!       state bag:
//!         enctype: String "multipart/form-data"
//!       child 5: control
//!         state bag:
//!           Text: String "File Uploaded Sucessfully !! 4237mb"
//!       child 7: control
//!         state bag:
//!           Visible: Bool true
//!       child 9: control
//!         state bag:
//!           Text: String "Screen Shot 2019-05-29 at 6.16.30 PM.png"
//!           Visible: Bool true
//!       child 11: control
//!         state bag:
//!           Visible: Bool true
//!   control state: none
//! ```
//!
//! `--json` prints the same tree for tools (`{"type": "Pair", "value": [...]}`), with the
//! gadget findings. Without keys, `machinekey viewstate inspect VALUE` reads an unsigned or a
//! legacy signed field (its MAC shown, not verified); a ysoserial.net payload (the
//! `DotNetNuke` example of ysoserial.net's README) reads as:
//!
//! ```text
//! $ machinekey viewstate inspect "/wEyxBEAAQAAAP////8BAAAAAAAAAAwCAAAASVN5c3RlbSwg..."
//! no MAC: sent with EnableViewStateMac=false, or forged
//! BinarySerialized (2244 bytes, BinaryFormatter; not deserialized)
//!   !! gadget: TypeConfuseDelegate: System.DelegateSerializationHolder with a SortedSet`1 / ComparisonComparer`1
//!   !! gadget: ProcessStart: System.Diagnostics.Process
//!   library "System, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
//!   class "System.Collections.Generic.SortedSet`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c"... (132 chars) [Count, Comparer, Version, Items]
//!   class "System.Collections.Generic.ComparisonComparer`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyTok"... (141 chars) [_comparison]
//!   class "System.DelegateSerializationHolder" [Delegate, method0, method1]
//!   class "System.DelegateSerializationHolder+DelegateEntry" [type, assembly, target, targetTypeAssembly, targetTypeName, methodName, delegateEntry]
//!   class "System.Reflection.MemberInfoSerializationHolder" [Name, AssemblyName, ClassName, Signature, Signature2, MemberType, GenericArguments]
//!   ...
//! WARNING: this state carries deserialization gadget types (TypeConfuseDelegate, ProcessStart): an attack payload, not page state
//! ```
//!
//! `audit` and `audit --batch` report the gadgets of the payload a known key verified (or of
//! a field readable without keys) in a `gadgets` field, and `carve` marks carved ViewStates the
//! same way.
//!
//! # The local decoder page
//!
//! `machinekey ui` (the `machinekey-cli` crate) serves a page on `127.0.0.1` where you paste
//! a ViewState, EventValidation, forms cookie, `CfDJ8` value, or one or two web.configs,
//! and see the tree, the MAC verdict, which publicly known key (if any) protects the value, a
//! ticket's fields, or the `compare` matrix. Nothing leaves the machine. How it is kept on the
//! machine, how CI tests it in a real browser, and a screenshot (`docs/ui.png` in the
//! repository): [`command_line`](super::command_line#the-local-decoder-page).
//!
//! # What is proved
//!
//! The 46 real ViewState payloads of the tests write back byte for byte, every token is
//! checked against the token table of `ObjectStateFormatter.cs`, and four ysoserial.net
//! payloads are flagged (and lose the flag when one bit is flipped):
//! [`exactness`](super::exactness#viewstate-trees-and-gadgets). What the reader refuses and
//! what the gadget names can miss is in
//! [`exactness`](super::exactness#what-is-unverified).
//!
//! [`osf`]: crate::formats::osf
//! [`AppKeys`]: crate::AppKeys
//! [`PageState`]: crate::formats::osf::PageState
//! [`nrbf`]: crate::formats::nrbf
//! [`gadgets`]: crate::formats::nrbf::gadgets
